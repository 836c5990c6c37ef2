using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using VideoVCReg.Experiment.Specs;

namespace VideoVCReg.Experiment.Sweeps;

/// <summary>One swept option and its values, in the order given ("--alpha", ["1", "3", "5"]).</summary>
public sealed record SweepAxis(string Option, IReadOnlyList<string> Values);

/// <summary>One point of the grid: its index, each axis's value, and its run folder (trial-&lt;id&gt;).</summary>
public sealed record Trial(int Id, IReadOnlyDictionary<string, string> Values)
{
    public string Folder => $"trial-{Id:D3}";

    public string Label => string.Join(" ", Values.Select(kv => $"{kv.Key} {kv.Value}"));
}

/// <summary>
/// A hyperparameter sweep (appendix C.2), as written to DIR/sweep.json: the verb and its fixed options, and the axes.
/// It also holds its base spec, bound once when the sweep starts (<see cref="Spec"/> for `finetune`, <see cref="Pretrain"/>
/// for `pretrain`): a trial is that spec with the trial's values (<see cref="TrialSpec"/>, <see cref="PretrainTrialSpec"/>),
/// run in-process through <see cref="Experiments"/>. <see cref="TrialArgs"/> is the same trial as a command line, for people.
/// The grid is the product of the axes, the first axis slowest. <see cref="Tuned"/> axes are chosen (α, β);
/// <see cref="Condition"/> axes get one final run per value (noise σ); the split axis is averaged over when scoring
/// and is the final run's split list. Trials run with --no-test (scored by validation top-1); the final run of each
/// condition retrains the best tuned values on the full training splits (--val-share 0) and tests them.
/// </summary>
public sealed record SweepPlan(string Verb, IReadOnlyList<string> BaseArgs, IReadOnlyList<SweepAxis> Axes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] FineTuneSpec? Spec = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PretrainSpec? Pretrain = null)
{
    public const string FileName = "sweep.json";
    public static readonly string[] Tuned = ["--alpha", "--beta"];
    public static readonly string[] Condition = ["--noise"];
    public const string SplitAxis = "--split";
    /// <summary>The verbs a trial may run.</summary>
    public static readonly string[] Verbs = ["finetune", "pretrain"];

    /// <summary>Options the sweep sets itself; the fixed options may not.</summary>
    public static readonly string[] Reserved = ["--alpha", "--beta", "--noise", "--split", "--out", "--force", "--no-test", "--val-share"];

    public IReadOnlyList<Trial> Trials()
    {
        var trials = new List<Trial>();
        var index = new int[Axes.Count];
        int total = Axes.Aggregate(1, (n, a) => n * a.Values.Count);
        for (int id = 0; id < total; id++)
        {
            int rest = id;
            for (int a = Axes.Count - 1; a >= 0; a--) { index[a] = rest % Axes[a].Values.Count; rest /= Axes[a].Values.Count; }
            trials.Add(new Trial(id, Axes.Select((axis, a) => (axis.Option, axis.Values[index[a]])).ToDictionary(p => p.Option, p => p.Item2)));
        }
        return trials;
    }

    /// <summary>The trial's full command line (what it runs, as a user would type it): the verb, the fixed options, its values, validation only, its folder.</summary>
    public string[] TrialArgs(Trial trial, string sweepDir) =>
        [Verb, .. BaseArgs, .. trial.Values.SelectMany(kv => new[] { kv.Key, kv.Value }), .. ValidationArgs, "--no-test", "--out", Path.Combine(sweepDir, trial.Folder)];

    /// <summary>The base spec with the trial's values, validation only, into the trial's folder; checked like any bound spec.</summary>
    public FineTuneSpec TrialSpec(Trial trial, string sweepDir) =>
        With(trial.Values, RequireSpec(sweepDir)) with { SkipTest = true, Force = false, OnlyFold = null, OutDir = Path.Combine(sweepDir, trial.Folder) };

    /// <summary>
    /// A condition's final run: the base spec with the chosen tuned values and the condition's, on every swept split (or the
    /// base's), retrained on the full training splits (no validation share) and tested.
    /// </summary>
    public FineTuneSpec FinalSpec(FinalChoice choice, string sweepDir, string outDir)
    {
        var spec = With(choice.Tuned.Concat(choice.Condition), RequireSpec(sweepDir));
        var splits = Axes.FirstOrDefault(a => a.Option == SplitAxis)?.Values;
        return spec with
        {
            Data = spec.Data with { ValidationShare = 0, Split = splits is null ? spec.Data.Split : string.Join(",", splits) },
            SkipTest = false, Force = false, OnlyFold = null, OutDir = outDir,
        };
    }

    /// <summary>The base spec with each axis's value where the option would have put it (--alpha → Regularizer:Alpha, ...).</summary>
    static FineTuneSpec With(IEnumerable<KeyValuePair<string, string>> values, FineTuneSpec spec)
    {
        foreach (var (option, text) in values)
            spec = option switch
            {
                "--noise" => spec with { Data = spec.Data with { Noise = Number(text) } },
                SplitAxis => spec with { Data = spec.Data with { Split = text } },
                _ => spec with { Regularizer = TunedValue(option, text, spec.Regularizer) },
            };
        return spec.Checked();
    }

    /// <summary>The pretrain base spec with each axis's value: pretraining's grid is α × β (<see cref="Problems"/>).</summary>
    static PretrainSpec With(IEnumerable<KeyValuePair<string, string>> values, PretrainSpec spec)
    {
        foreach (var (option, text) in values) spec = spec with { Regularizer = TunedValue(option, text, spec.Regularizer) };
        return spec.Checked();
    }

    static Models.Regularization.RegularizerOptions TunedValue(string option, string text, Models.Regularization.RegularizerOptions reg) => option switch
    {
        "--alpha" => reg with { Alpha = Number(text) },
        "--beta" => reg with { Beta = Number(text) },
        _ => throw new InvalidDataException($"sweep: {option} is not an axis a spec can take"),
    };

    static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>
    /// The pretrain base spec with the trial's values, validation only, into the trial's folder. An image pretraining has no
    /// validation share unless asked, so its trials get finetune's default one (0.1) to be scored on; video pretraining
    /// validates on its rendered clips.
    /// </summary>
    public PretrainSpec PretrainTrialSpec(Trial trial, string sweepDir)
    {
        var spec = RequirePretrainSpec(sweepDir);
        return With(trial.Values, spec with
        {
            ValidationShare = spec.Arch is not null ? 0.1 : spec.ValidationShare, SkipTest = true, Force = false, OutDir = Path.Combine(sweepDir, trial.Folder),
        });
    }

    /// <summary>A condition's final pretraining: the chosen values, retrained on the whole training set (no share held out) and tested.</summary>
    public PretrainSpec PretrainFinalSpec(FinalChoice choice, string sweepDir, string outDir) =>
        With(choice.Tuned.Concat(choice.Condition), RequirePretrainSpec(sweepDir) with { ValidationShare = 0, SkipTest = false, Force = false, OutDir = outDir });

    /// <summary>
    /// The base spec of a `finetune` sweep. A sweep.json written before trials were specs holds only command lines: it is
    /// refused in one line rather than re-parsed.
    /// </summary>
    public FineTuneSpec RequireSpec(string sweepDir) => Spec ?? throw Earlier(sweepDir);

    /// <summary>The base spec of a `pretrain` sweep; one written before pretraining had a spec is refused as <see cref="RequireSpec"/> refuses.</summary>
    public PretrainSpec RequirePretrainSpec(string sweepDir) => Pretrain ?? throw Earlier(sweepDir);

    InvalidDataException Earlier(string sweepDir) => new($"{sweepDir}: a sweep written by an earlier videovcreg (its {FileName} holds {Verb} command lines, not a spec); "
        + "start it again with sweep ... --out NEWDIR, or finish it with the version that started it");

    /// <summary>The validation share an image pretraining trial is given (<see cref="PretrainTrialSpec"/>), as options.</summary>
    string[] ValidationArgs => Verb == "pretrain" && BaseArgs.Contains("--arch") ? ["--val-share", "0.1"] : [];

    /// <summary>One-line complaints about the plan; empty when it can run.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Axes.Count == 0) p.Add("sweep: give at least one axis (--alpha, --beta, --noise or --split lists, or a --recipe or --config with a Grid)");
        if (!Verbs.Contains(Verb)) p.Add($"sweep: --verb must be {string.Join(" or ", Verbs)} (got '{Verb}')");
        // Pretraining has one fold and no test-time noise: its grid is α × β.
        if (Verb == "pretrain")
            foreach (var axis in Axes.Where(a => a.Option is "--noise" or SplitAxis))
                p.Add($"sweep --verb pretrain: {axis.Option} is a finetune axis (pretraining has one split and no noise)");
        foreach (var axis in Axes)
        {
            if (axis.Values.Count == 0) p.Add($"{axis.Option}: no values");
            if (axis.Values.Distinct().Count() != axis.Values.Count) p.Add($"{axis.Option}: a value is given twice");
            if (axis.Option != SplitAxis)
                foreach (var v in axis.Values.Where(v => !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x) || x < 0))
                    p.Add($"{axis.Option}: '{v}' is not a finite number ≥ 0");
            else if (DataSpec() is { } data)
            {
                // Kinetics and a list folder have one split: a trial of split 2 would only fail once it runs.
                foreach (var v in axis.Values.Where(v => !data.Splits.Select(k => k.ToString(CultureInfo.InvariantCulture)).Contains(v)))
                    p.Add($"--split: '{v}' is not a split of {data.Text} (it has {string.Join(", ", data.Splits)})");
            }
            else
                foreach (var v in axis.Values.Where(v => v is not ("1" or "2" or "3")))
                    p.Add($"--split: '{v}' is not an official split (1, 2 or 3)");
        }
        int total = Axes.Aggregate(1, (n, a) => n * Math.Max(1, a.Values.Count));
        if (total > 10_000) p.Add($"sweep: {total} trials is more than 10,000; narrow the grid");
        for (int i = 0; i < BaseArgs.Count; i++)
        {
            var option = BaseArgs[i].Split('=')[0];
            if (Reserved.Contains(option)) p.Add($"sweep: {option} is set by the sweep, not among the fixed options");
        }
        return p;
    }

    /// <summary>
    /// The dataset the trials read: the bound spec's, wherever its Data:Path came from (--data, --config, VIDEOVCREG_Data__Path),
    /// else what the fixed options' <c>--data</c> names; null for the synthetic set, or when it does not parse (the binding says why).
    /// </summary>
    Decoding.Datasets.DatasetSpec? DataSpec()
    {
        if (Spec is not null)
        {
            try { return Spec.Data.Dataset(); }
            catch (FormatException) { return null; }
        }
        string? text = null;
        for (int i = 0; i < BaseArgs.Count; i++)
        {
            if (BaseArgs[i] == "--data" && i + 1 < BaseArgs.Count) text = BaseArgs[i + 1];
            else if (BaseArgs[i].StartsWith("--data=", StringComparison.Ordinal)) text = BaseArgs[i]["--data=".Length..];
        }
        if (text is null) return null;
        try { return Decoding.Datasets.DatasetSpec.Parse(text); }
        catch (FormatException) { return null; }
    }

    /// <summary>sweep.json's form; the base spec in it is written whole (<see cref="SpecJson"/>).</summary>
    public static readonly JsonSerializerOptions Json = SpecJson.With(new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SweepPlan Read(string sweepDir)
    {
        var path = Path.Combine(sweepDir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{sweepDir}: no {FileName}: not a sweep folder (start one with sweep --alpha ... --out DIR)");
        SweepPlan plan;
        try { plan = JsonSerializer.Deserialize<SweepPlan>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a sweep plan ({e.Message})"); }
        // A hand-edited plan may null a section the trials copy; name it here rather than fail inside a trial.
        var empty = NullFields(plan).ToList();
        if (empty.Count > 0) throw new InvalidDataException($"{path}: {string.Join(", ", empty)} missing or null: not a sweep plan this version wrote (start the sweep again with --out NEWDIR)");
        return plan;
    }

    static IEnumerable<string> NullFields(SweepPlan p)
    {
        if (p.Verb is null) yield return "verb";
        if (p.BaseArgs is null) yield return "base_args";
        if (p.Axes is null) yield return "axes";
        for (int i = 0; i < (p.Axes?.Count ?? 0); i++)
            if (p.Axes![i]?.Values is null) yield return $"axes[{i}]";
        if (p.Spec is { } s)
            foreach (var (name, value) in new (string, object?)[] { ("train", s.Train), ("data", s.Data), ("regularizer", s.Regularizer), ("model", s.Model), ("out_dir", s.OutDir) })
                if (value is null) yield return "spec." + name;
        if (p.Pretrain is { } t)
            foreach (var (name, value) in new (string, object?)[] { ("train", t.Train), ("data", t.Data), ("regularizer", t.Regularizer) })
                if (value is null) yield return "pretrain." + name;
    }
}
