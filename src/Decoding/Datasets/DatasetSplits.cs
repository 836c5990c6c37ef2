using System.Globalization;

namespace VideoVCReg.Decoding.Datasets;

/// <summary>What a split lost before training: listed videos whose file is absent, and lines that repeat a video.</summary>
public sealed record SplitLoss(int TrainListed, int TrainMissing, int TestListed, int TestMissing, int Duplicates)
{
    public string Describe(int split) => string.Create(CultureInfo.InvariantCulture,
        $"split {split}: {TrainMissing} of {TrainListed} train and {TestMissing} of {TestListed} test videos missing{(Duplicates > 0 ? $", {Duplicates} duplicate line(s) read once" : "")}");
}

/// <summary>One split ready to load: train and test items, the hold-out group of each item, and what the split lost.</summary>
public sealed record SplitData(MediaDataset Train, MediaDataset Test, Func<MediaItem, string> GroupOf, SplitLoss Loss);

/// <summary>
/// A split as training takes it, the same for every layout: a bad line, a path outside the video folder or a video
/// listed for both train and test stops it with one line; a repeated line is read once; videos whose file is absent
/// (normal for Kinetics, whose YouTube sources vanish) are left out and counted, and more than
/// <c>maxMissing</c> of either side absent stops it.
/// </summary>
public static class DatasetSplits
{
    public const double DefaultMaxMissing = 0.2;

    public static SplitData Load(DatasetSpec spec, int split, double maxMissing = DefaultMaxMissing)
    {
        var listing = SplitListing.Read(spec, split);
        if (listing.Problems.Count > 0)
        {
            var first = listing.Problems[0];
            throw new InvalidDataException($"{first.Path}: {first.Reason}{(listing.Problems.Count > 1 ? $" (and {listing.Problems.Count - 1} more; videovcreg data check {spec.Text} lists them)" : "")}");
        }
        var (train, trainRepeats) = Distinct(listing.Train);
        var (test, testRepeats) = Distinct(listing.Test);
        var leaks = Leaks(listing).ToList();
        if (leaks.Count > 0)
            throw new InvalidDataException($"{leaks[0].Test.Where}: {leaks[0].Test.Name} is also a training video ({leaks[0].Train.Where}); " +
                $"{leaks.Count} video(s) of split {split} are listed for both train and test, which would test on training videos");
        var present = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Exists(ListedVideo v) => present.TryGetValue(v.Path, out var e) ? e : present[v.Path] = File.Exists(v.Path);
        var keptTrain = train.Where(Exists).ToList();
        var keptTest = test.Where(Exists).ToList();
        var loss = new SplitLoss(train.Count, train.Count - keptTrain.Count, test.Count, test.Count - keptTest.Count, trainRepeats + testRepeats);
        foreach (var (side, listed, missing) in new[] { ("train", loss.TrainListed, loss.TrainMissing), ("test", loss.TestListed, loss.TestMissing) })
            if (listed > 0 && (double)missing / listed > maxMissing)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{spec.Text}: split {split} {side}: {missing} of {listed} listed videos are missing ({100.0 * missing / listed:0.#} %), more than the {100 * maxMissing:0.#} % allowed (--max-missing); videovcreg data check {spec.Text} lists them"));
        foreach (var (side, kept) in new[] { ("train", keptTrain), ("test", keptTest) })
        {
            // A class with no video would still get a head output and count in the class total, without a word.
            var empty = listing.Classes.Where((_, label) => !kept.Any(v => v.Label == label)).ToList();
            if (empty.Count > 0)
                throw new InvalidDataException($"{spec.Text}: split {split} lists no {side} video for class(es) {string.Join(", ", empty.Take(5))}{(empty.Count > 5 ? $" and {empty.Count - 5} more" : "")} (empty split file, or all missing?)");
        }
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in keptTrain) groups.TryAdd(v.Id, v.Group);
        MediaDataset Items(List<ListedVideo> videos, string side) =>
            new($"{listing.Source} {side}", listing.Classes, [.. videos.Select(v => new MediaItem(v.Path, v.Label, v.Id))]);
        return new SplitData(Items(keptTrain, "train"), Items(keptTest, "test"), i => groups.GetValueOrDefault(i.Id, i.Id), loss);
    }

    /// <summary>The first listing of each video, and how many lines repeated one.</summary>
    internal static (List<ListedVideo> Videos, int Repeats) Distinct(IReadOnlyList<ListedVideo> listed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var videos = listed.Where(v => seen.Add(Key(v))).ToList();
        return (videos, listed.Count - videos.Count);
    }

    /// <summary>What makes two lines one video: its full path (a Kinetics clip not on disk has a stand-in path from its name, <see cref="ListedVideo.NotFound"/>).</summary>
    internal static string Key(ListedVideo v) => Path.GetFullPath(v.Path);

    internal static IEnumerable<(ListedVideo Train, ListedVideo Test)> Leaks(SplitListing listing)
    {
        var train = new Dictionary<string, ListedVideo>(StringComparer.Ordinal);
        foreach (var v in listing.Train) train.TryAdd(Key(v), v);
        foreach (var v in listing.Test)
            if (train.TryGetValue(Key(v), out var t)) yield return (t, v);
    }

    internal static IEnumerable<(ListedVideo First, ListedVideo Again)> Repeats(IReadOnlyList<ListedVideo> listed)
    {
        var seen = new Dictionary<string, ListedVideo>(StringComparer.Ordinal);
        foreach (var v in listed)
            if (!seen.TryAdd(Key(v), v)) yield return (seen[Key(v)], v);
    }
}
