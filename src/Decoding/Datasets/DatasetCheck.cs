using System.Globalization;

namespace VideoVCReg.Decoding.Datasets;

public sealed record DatasetProblem(string Path, string Reason);

/// <summary>
/// What a check found. <see cref="Missing"/> lists entries whose video is absent: counted and listed, a problem only
/// when a side of a split lacks more than the allowed share, the rule training applies, so a passing check means a run
/// starts.
/// </summary>
/// <param name="Warnings">What the reader does differently from the ffmpeg CLI for a file that decodes (a display matrix off 90°), one line each naming the file.</param>
public sealed record DatasetCheckResult(int Videos, int SplitEntries, IReadOnlyList<DatasetProblem> Problems, IReadOnlyList<DatasetProblem> Missing, IReadOnlyList<string> Warnings);

/// <summary>
/// Checks a dataset of any layout: every split's lines are read (a malformed line, a path leaving the video folder,
/// a repeated line and a video listed for both train and test are problems), every listed video that exists is
/// opened and fully decoded, and absent ones are counted per split. Problems are collected, never thrown, so one
/// run lists them all.
/// </summary>
public static class DatasetCheck
{
    public static DatasetCheckResult Run(DatasetSpec spec, double maxMissing = DatasetSplits.DefaultMaxMissing, IProgress<string>? progress = null,
        CancellationToken cancel = default)
    {
        if (!Directory.Exists(spec.Dir)) throw new DirectoryNotFoundException($"{spec.Dir}: no such dataset folder");
        var problems = new List<DatasetProblem>();
        var missing = new List<DatasetProblem>();
        var toDecode = new SortedSet<string>(StringComparer.Ordinal);
        int entries = 0;
        foreach (var k in spec.Splits)
        {
            SplitListing listing;
            try { listing = SplitListing.Read(spec, k); }
            catch (InvalidDataException e)
            {
                // A bare videos/ tree has no split at all: say so rather than pass it.
                bool none = e.Message.Contains("no split found") || e.Message.Contains("no split files");
                if (none && k == spec.Splits[0])
                {
                    problems.Add(new(spec.Dir, $"no split found: {Reason(e.Message, spec.Dir)}"));
                    break;
                }
                var problem = none ? new DatasetProblem(spec.Dir, $"no split files for split {k}") : Split(e.Message);
                // A file all splits read (UCF101's classInd.txt) stops each of them alike: one fault, so one line.
                if (!problems.Contains(problem)) problems.Add(problem);
                continue;
            }
            problems.AddRange(listing.Problems);
            entries += listing.Train.Count + listing.Test.Count;
            string Fold(string side) => spec.Splits.Count > 1 ? $"split {k} {side}" : side;
            foreach (var (side, list) in new[] { ("train", listing.Train), ("test", listing.Test) })
            {
                foreach (var (first, again) in DatasetSplits.Repeats(list))
                    problems.Add(new(again.Where, $"lists {again.Id} again ({Fold(side)}; first at {first.Where}): it would count twice"));
                foreach (var v in list.Where(v => !File.Exists(v.Path)))
                    missing.Add(new(v.Where, v.Absence));
                // The share a run refuses, counted as the run counts it: each video once.
                var (distinct, _) = DatasetSplits.Distinct(list);
                int absent = distinct.Count(v => !File.Exists(v.Path));
                if (distinct.Count > 0 && (double)absent / distinct.Count > maxMissing)
                    problems.Add(new(spec.Dir, string.Create(CultureInfo.InvariantCulture,
                        $"{Fold(side)}: {absent} of {distinct.Count} listed videos are missing ({100.0 * absent / distinct.Count:0.#} %), more than the {100 * maxMissing:0.#} % a run allows (--max-missing)")));
                foreach (var v in list.Where(v => File.Exists(v.Path))) toDecode.Add(v.Path);
            }
            foreach (var (train, test) in DatasetSplits.Leaks(listing))
                problems.Add(new(test.Where, $"lists {test.Id} for test, but {train.Where} lists it for train ({Fold("leak")}): a model would be tested on a video it trained on"));
            foreach (var (side, list) in new[] { ("train", listing.Train), ("test", listing.Test) })
                for (int label = 0; label < listing.Classes.Count; label++)
                    // A class whose listed videos are all missing is as empty to a run as one never listed.
                    if (!list.Any(v => v.Label == label && File.Exists(v.Path)))
                        problems.Add(new(listing.Classes[label], $"class {listing.Classes[label]} has no {side} video{(spec.Splits.Count > 1 ? $" in split {k}" : "")} " +
                            (list.Any(v => v.Label == label) ? "on disk (every one listed is missing)" : "(empty split file?)")));
        }

        byte[] rgb = [];
        var warnings = new List<string>();
        foreach (var path in toDecode)
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                VideoCheck.DecodeAll(path, ref rgb, cancel, warnings.Add);
                progress?.Report(path);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or NotSupportedException)
            {
                problems.Add(new(path, ex.Message.StartsWith(path, StringComparison.Ordinal) ? ex.Message[path.Length..].TrimStart(':', ' ') : ex.Message));
            }
        }
        return new DatasetCheckResult(toDecode.Count, entries, problems, missing, warnings);
    }

    static string Reason(string message, string where) =>
        message.StartsWith(where + ": ", StringComparison.Ordinal) ? message[(where.Length + 2)..] : message;

    /// <summary>"where: reason" messages back into their two parts.</summary>
    static DatasetProblem Split(string message)
    {
        int cut = message.IndexOf(": ", StringComparison.Ordinal);
        return cut > 0 ? new(message[..cut], message[(cut + 2)..]) : new("", message);
    }
}
