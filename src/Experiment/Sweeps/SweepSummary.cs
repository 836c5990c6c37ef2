using System.Globalization;
using System.Text;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Experiment.Sweeps;

/// <summary>
/// `sweep --summary DIR`: the finished trials ranked by validation top-1, the unfinished and failed ones with who holds
/// them (pid, Slurm job) and the last lines of their Slurm logs, the final runs' test results, and a heat map of
/// validation top-1 over α × β (mean over the other axes). Writes summary.md, summary.csv and heatmap.png in DIR.
/// </summary>
public static class SweepSummary
{
    public sealed record Row(Trial Trial, TrialStatus Status, double? Score, string Note);

    public static IReadOnlyList<Row> Rows(SweepWorker sweep)
    {
        var rows = new List<Row>();
        var jobs = SlurmScript.ReadJobs(sweep.Dir);
        var tasks = jobs is null ? new Dictionary<int, string>() : SlurmScript.TaskStates(jobs.ArrayJob);
        foreach (var trial in sweep.Plan.Trials())
        {
            var folder = Path.Combine(sweep.Dir, trial.Folder);
            var status = sweep.Status(trial);
            // squeue keeps a task cancelled while running (CANCELLED) but drops one cancelled while queued: a task missing from
            // an array Slurm still lists will not run either.
            bool gone = tasks.Count > 0 && !tasks.ContainsKey(trial.Id);
            if (status == TrialStatus.Pending && (gone || tasks.GetValueOrDefault(trial.Id) == "CANCELLED")) status = TrialStatus.Cancelled;
            string note = status switch
            {
                TrialStatus.Failed => File.ReadAllText(Path.Combine(folder, SweepWorker.FailedFile)).Trim(),
                TrialStatus.Running => ReadOrEmpty(Path.Combine(folder, SweepWorker.ClaimFile + "-owner")),
                _ => "",
            };
            if (status is not TrialStatus.Finished && jobs?.ArrayJob is string job)
                note = $"Slurm {job}_{trial.Id}" + (tasks.TryGetValue(trial.Id, out var state) ? $" {state}" : gone ? " no longer queued" : "") + (note.Length > 0 ? $"; {note}" : "");
            if (status is TrialStatus.Failed or TrialStatus.Running && SlurmScript.LogTail(sweep.Dir, trial.Id, 3) is { Length: > 0 } tail)
                note += $"; log: {tail}";
            rows.Add(new Row(trial, status, TrialScore.Read(folder), note));
        }
        return rows;
    }

    static string ReadOrEmpty(string path) { try { return File.ReadAllText(path).Trim(); } catch (IOException) { return ""; } }

    /// <summary>Writes the files and returns the Markdown.</summary>
    public static string Write(SweepWorker sweep)
    {
        var rows = Rows(sweep);
        var axes = sweep.Plan.Axes.Select(a => a.Option).ToList();
        var md = new StringBuilder();
        var done = rows.Where(r => r.Status == TrialStatus.Finished).OrderByDescending(r => r.Score ?? double.NegativeInfinity).ThenBy(r => r.Trial.Id).ToList();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Sweep {sweep.Dir}: {done.Count} of {rows.Count} trials finished");
        if (done.Count > 0)
        {
            md.AppendLine();
            md.AppendLine($"| rank | trial | {string.Join(" | ", axes)} | validation top-1 % |");
            md.AppendLine($"| ---: | --- | {string.Join(" | ", axes.Select(_ => "---:"))} | ---: |");
        }
        for (int i = 0; i < done.Count; i++)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {i + 1} | {done[i].Trial.Folder} | {string.Join(" | ", axes.Select(a => done[i].Trial.Values[a]))} | {TrialScore.Percent(done[i].Score)} |");
        var open = rows.Where(r => r.Status != TrialStatus.Finished).ToList();
        if (open.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| trial | settings | status | note |");
            md.AppendLine("| --- | --- | --- | --- |");
            foreach (var r in open) md.AppendLine($"| {r.Trial.Folder} | {r.Trial.Label} | {r.Status.ToString().ToLowerInvariant()} | {r.Note.Replace("|", "/")} |");
        }
        if (SlurmScript.ReadJobs(sweep.Dir) is { } jobs && SlurmScript.JobState(jobs.FinalJob) is ("PENDING", "DependencyNeverSatisfied"))
        {
            md.AppendLine();
            md.AppendLine($"The final job {jobs.FinalJob} will never start: an array task it waits for ended without success. Submit the sweep again (the same command) to run the open trials; its new final job replaces this one.");
        }
        var finals = FinalResults(sweep.Dir);
        if (finals.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| final run | test top-1 % (mean over splits) |");
            md.AppendLine("| --- | ---: |");
            foreach (var (name, top1) in finals) md.AppendLine($"| {name} | {TrialScore.Percent(top1)} |");
        }
        var csv = new StringBuilder($"rank,trial,{string.Join(",", axes.Select(a => a.TrimStart('-')))},status,validation_top1\n");
        int rank = 0;
        foreach (var r in done.Concat(open))
            csv.AppendLine(CultureInfo.InvariantCulture, $"{(r.Status == TrialStatus.Finished ? (++rank).ToString(CultureInfo.InvariantCulture) : "")},{r.Trial.Folder},{string.Join(",", axes.Select(a => r.Trial.Values[a]))},{r.Status.ToString().ToLowerInvariant()},{(r.Score is double s ? s.ToString("R", CultureInfo.InvariantCulture) : "")}");
        AtomicFile.WriteText(Path.Combine(sweep.Dir, "summary.md"), md.ToString());
        AtomicFile.WriteText(Path.Combine(sweep.Dir, "summary.csv"), csv.ToString());
        if (HeatMap(sweep.Plan, rows) is { } png) AtomicFile.Write(Path.Combine(sweep.Dir, "heatmap.png"), s => s.Write(png));
        return md.ToString();
    }

    /// <summary>Mean validation top-1 per (α, β) cell over the other axes; null when the sweep does not vary both.</summary>
    public static double?[,]? Grid(SweepPlan plan, IReadOnlyList<Row> rows)
    {
        var alpha = plan.Axes.FirstOrDefault(a => a.Option == "--alpha");
        var beta = plan.Axes.FirstOrDefault(a => a.Option == "--beta");
        if (alpha is null || beta is null) return null;
        var grid = new double?[alpha.Values.Count, beta.Values.Count];
        for (int i = 0; i < alpha.Values.Count; i++)
            for (int j = 0; j < beta.Values.Count; j++)
            {
                var scores = rows.Where(r => r.Score is not null && r.Trial.Values["--alpha"] == alpha.Values[i] && r.Trial.Values["--beta"] == beta.Values[j]).Select(r => r.Score!.Value).ToList();
                grid[i, j] = scores.Count == 0 ? null : scores.Average();
            }
        return grid;
    }

    static byte[]? HeatMap(SweepPlan plan, IReadOnlyList<Row> rows)
    {
        // No scored cell: nothing to plot, and ScottPlot refuses a colour scale over NaN alone ("min must be a real number").
        if (Grid(plan, rows) is not { } grid || !grid.Cast<double?>().Any(v => v is not null)) return null;
        var alpha = plan.Axes.First(a => a.Option == "--alpha").Values;
        var beta = plan.Axes.First(a => a.Option == "--beta").Values;
        var values = new double[alpha.Count, beta.Count];
        for (int i = 0; i < alpha.Count; i++)
            for (int j = 0; j < beta.Count; j++) values[alpha.Count - 1 - i, j] = 100 * (grid[i, j] ?? double.NaN);   // largest α on top
        var plot = new ScottPlot.Plot();
        var heat = plot.Add.Heatmap(values);
        plot.Add.ColorBar(heat).Label = "validation top-1 %";
        for (int i = 0; i < alpha.Count; i++)
            for (int j = 0; j < beta.Count; j++)
                if (grid[i, j] is double v) plot.Add.Text((100 * v).ToString("F1", CultureInfo.InvariantCulture), j, i);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. beta.Select((b, j) => (double)j)], [.. beta]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. alpha.Select((a, i) => (double)i)], [.. alpha]);
        plot.XLabel("β");
        plot.YLabel("α");
        plot.Title("validation top-1 over α × β (mean over the other axes)");
        return plot.GetImageBytes(700, 560, ScottPlot.ImageFormat.Png);
    }

    /// <summary>Each final run's mean test top-1 (report.json), by folder name.</summary>
    static List<(string Name, double? Top1)> FinalResults(string dir)
    {
        var finalDir = Path.Combine(dir, SweepWorker.FinalFolder);
        var list = new List<(string, double?)>();
        if (!Directory.Exists(finalDir)) return list;
        foreach (var run in Directory.EnumerateDirectories(finalDir).Order())
        {
            var report = Path.Combine(run, FineTune.RunFolder.FinishedMarker);
            double? top1 = null;
            if (File.Exists(report))
            {
                using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
                if (doc.RootElement.TryGetProperty("mean", out var mean) && mean.TryGetProperty("top1", out var t)) top1 = t.GetDouble();
            }
            list.Add((Path.GetFileName(run), top1));
        }
        return list;
    }
}
