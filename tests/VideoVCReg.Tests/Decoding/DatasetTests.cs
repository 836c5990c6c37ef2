using VideoVCReg.Decoding.Datasets;

namespace VideoVCReg.Tests.Decoding;

[Collection(SynthDataCollection.Name)]
public class DatasetTests(SynthData data)
{
    [Fact]
    public void Hmdb51_split_gives_train_and_test_items_with_labels_from_sorted_class_names()
    {
        var train = VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(data.Dir), 2).Train;
        var test = VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(data.Dir), 2).Test;
        var classes = Directory.GetDirectories(Path.Combine(data.Dir, "videos")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(classes, train.Classes);
        Assert.Equal(SynthData.Classes * SynthData.PerClass, train.Count + test.Count);
        Assert.Empty(train.Items.Select(i => i.Id).Intersect(test.Items.Select(i => i.Id)));
        foreach (var item in train.Items.Concat(test.Items))
        {
            Assert.True(File.Exists(item.Path), item.Path);
            Assert.Equal(classes[item.Label], Path.GetFileName(Path.GetDirectoryName(item.Path)));
        }
        // Each item sits in the subset its split-2 line names.
        foreach (var line in Directory.GetFiles(Path.Combine(data.Dir, "splits"), "*_test_split2.txt").SelectMany(File.ReadAllLines))
        {
            var parts = line.Split(' ');
            var inTrain = train.Items.Any(i => i.Id.EndsWith("/" + parts[0]));
            Assert.Equal(parts[1] == "1", inTrain);
        }
    }

    [Fact]
    public void A_folder_without_split_files_is_a_one_line_error_naming_the_folder()
    {
        var dir = Directory.CreateTempSubdirectory("videovcreg-nosplits-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "videos", "walk"));
            var e = Assert.Throws<InvalidDataException>(() => VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(dir), 1).Train);
            Assert.Contains(dir, e.Message);
            Assert.Contains("no split files", e.Message);
            // data check says there is no split, rather than passing a tree it cannot read.
            var r = Support.CliProcess.Run("data", "check", dir);
            Assert.Equal(1, r.ExitCode);
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith($"{dir}: no split found: no split files (<class>_test_split1.txt)", lines[0]);
            Assert.Equal($"1 problem(s) in {dir}: 0 videos scanned, 0 split entries", lines[^1]);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void List_files_and_kinetics_csvs_read_paths_labels_and_quoted_fields()
    {
        var dir = Directory.CreateTempSubdirectory("videovcreg-lists-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(dir, "train.csv"), ["a/x.mp4 3", $"{dir}/abs/y.avi 0", "", "b c/z.mp4 1"]);
            File.WriteAllLines(Path.Combine(dir, "test.csv"), ["a/t.mp4 4"]);
            var list = ListFile.Listing(dir);
            Assert.Equal([Path.Combine(dir, "a/x.mp4"), Path.Combine(dir, "abs/y.avi"), Path.Combine(dir, "b c/z.mp4")], list.Train.Select(i => i.Path));
            Assert.Equal([3, 0, 1], list.Train.Select(i => i.Label));
            Assert.Equal(["a/x.mp4", "abs/y.avi", "b c/z.mp4"], list.Train.Select(i => i.Id));
            Assert.Equal(5, list.Classes.Count);                        // labels 0..4 over train and test
            File.WriteAllLines(Path.Combine(dir, "bad.csv"), ["a/x.mp4 three"]);
            Assert.Contains("bad.csv:1", Assert.Throws<InvalidDataException>(() => ListFile.Load(Path.Combine(dir, "bad.csv"))).Message);

            // Kinetics: a BOM, CRLF, a quoted label with a comma, a doubled quote, columns found by header name.
            var k = Path.Combine(dir, "k");
            Directory.CreateDirectory(Path.Combine(k, "annotations"));
            File.WriteAllText(Path.Combine(k, "annotations", "train.csv"),
                "label,youtube_id,time_start,time_end,split\r\n\"riding a bike, fast\",abc123,5,15,train\r\nabseiling,zz_9-x,120.0,130,train\r\n\"say \"\"hi\"\"\",q1,0,10,train\r\n",
                new System.Text.UTF8Encoding(true));
            File.WriteAllText(Path.Combine(k, "annotations", "validate.csv"), "youtube_id,label,time_start,time_end\nv1,abseiling,1,11\n");
            Directory.CreateDirectory(Path.Combine(k, "train", "riding a bike, fast"));
            File.WriteAllText(Path.Combine(k, "train", "riding a bike, fast", "abc123_000005_000015.webm"), "x");
            Directory.CreateDirectory(Path.Combine(k, "val"));
            File.WriteAllText(Path.Combine(k, "val", "v1_000001_000011.mkv"), "x");
            var kinetics = KineticsCsv.Listing(k);
            Assert.Empty(kinetics.Problems);
            Assert.Equal(["abseiling", "riding a bike, fast", "say \"hi\""], kinetics.Classes);
            Assert.Equal(Path.Combine(k, "train", "riding a bike, fast", "abc123_000005_000015.webm"), kinetics.Train[0].Path);   // found by name, any extension
            Assert.Equal(Path.Combine(k, "zz_9-x_000120_000130.*"), kinetics.Train[1].Path);   // absent: a stand-in that names the clip
            Assert.Equal([1, 0, 2], kinetics.Train.Select(i => i.Label));
            Assert.Equal(Path.Combine(k, "val", "v1_000001_000011.mkv"), Assert.Single(kinetics.Test).Path);
            Assert.Equal(0, kinetics.Test[0].Label);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Csv_rows_keep_commas_quotes_and_line_breaks_inside_quoted_fields()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "a,\"b,c\",\"d\"\"e\"\r\n\r\n\"multi\nline\",,x\ny", new System.Text.UTF8Encoding(true));
            var rows = CsvRows.Read(file).ToList();
            Assert.Equal(3, rows.Count);
            Assert.Equal([1, 3, 5], rows.Select(r => r.Line));
            Assert.Equal(["a", "b,c", "d\"e"], rows[0].Fields);
            Assert.Equal(["multi\nline", "", "x"], rows[1].Fields);
            Assert.Equal(["y"], rows[2].Fields);
            File.WriteAllText(file, "a,\"open");
            Assert.Contains(":1: a quoted field is never closed", Assert.Throws<InvalidDataException>(() => CsvRows.Read(file).ToList()).Message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Hold_out_is_stratified_seeded_and_disjoint()
    {
        var items = Enumerable.Range(0, 3).SelectMany(c => Enumerable.Range(0, 10 + 5 * c).Select(i => new MediaItem($"/{c}/{i}", c, $"{c}/{i:D2}"))).ToList();
        var ds = new MediaDataset("t", ["a", "b", "c"], items);
        var (train, val) = HoldOut.Split(ds, 0.2, seed: 4);
        var (train2, val2) = HoldOut.Split(ds, 0.2, seed: 4);
        var (_, val3) = HoldOut.Split(ds, 0.2, seed: 5);
        Assert.Equal(val.Items, val2.Items);
        Assert.Equal(train.Items, train2.Items);
        Assert.NotEqual(val.Items.Select(i => i.Id).Order(), val3.Items.Select(i => i.Id).Order());
        for (int c = 0; c < 3; c++) Assert.Equal((int)Math.Round(0.2 * (10 + 5 * c)), val.Items.Count(i => i.Label == c));
        Assert.Empty(train.Items.Intersect(val.Items));
        Assert.Equal(items.Select(i => i.Id).Order(), train.Items.Concat(val.Items).Select(i => i.Id).Order());
    }

    [Fact]
    public void Hold_out_keeps_the_clips_of_one_source_movie_together()
    {
        // brush_hair: movies A (3 clips), B (2), C (1), D (4); run: E (2), F (2), G (2).
        var spec = new[] { ("brush_hair", "A", 3), ("brush_hair", "B", 2), ("brush_hair", "C", 1), ("brush_hair", "D", 4),
                           ("run", "E", 2), ("run", "F", 2), ("run", "G", 2) };
        string[] classes = ["brush_hair", "run"];
        var items = spec.SelectMany(s => Enumerable.Range(0, s.Item3).Select(k =>
            new MediaItem($"/v/{s.Item1}/{s.Item2}_movie_{s.Item1}_f_nm_np1_fr_goo_{k}.avi", Array.IndexOf(classes, s.Item1), $"{s.Item1}/{s.Item2}{k}"))).ToList();
        Assert.Equal("A_movie", Hmdb51.SourceMovie(items[0].Path, "brush_hair"));
        var ds = new MediaDataset("t", classes, items);
        foreach (var seed in new[] { 1, 2, 3, 4, 5 })
        {
            var (train, val) = HoldOut.Split(ds, 0.3, seed, i => Hmdb51.SourceMovie(i.Path, classes[i.Label]));
            var trainMovies = train.Items.Select(i => Hmdb51.SourceMovie(i.Path, classes[i.Label])).ToHashSet();
            Assert.All(val.Items, i => Assert.DoesNotContain(Hmdb51.SourceMovie(i.Path, classes[i.Label]), trainMovies));
            for (int c = 0; c < 2; c++)
            {
                Assert.Contains(val.Items, i => i.Label == c);         // every class is validated ...
                Assert.Contains(train.Items, i => i.Label == c);       // ... and still trained on
            }
            Assert.Equal(items.Count, train.Count + val.Count);
        }
    }

    [Fact]
    public void Data_check_lists_a_corrupt_video_and_a_split_entry_without_its_video()
    {
        var ok = Support.CliProcess.Run("data", "check", data.Dir);
        Assert.True(ok.ExitCode == 0, ok.Stdout + ok.Stderr);
        Assert.Contains($"ok: {SynthData.Classes * SynthData.PerClass} videos decode", ok.Stdout);

        var dir = data.Copy();
        try
        {
            var videos = Directory.GetFiles(Path.Combine(dir, "videos"), "*.avi", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            var corrupt = videos[0];
            File.WriteAllBytes(corrupt, new byte[] { 1, 2, 3 }.Concat(new byte[5000]).ToArray());
            var removed = videos[^1];
            File.Delete(removed);
            var r = Support.CliProcess.Run("data", "check", dir);
            Assert.Equal(1, r.ExitCode);
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines, l => l.StartsWith(corrupt + ":"));
            // The removed video is listed in all three folds.
            Assert.Equal(3, lines.Count(l => l.Contains("_test_split") && l.Contains(Path.GetFileName(removed)) && l.Contains("does not exist")));
            int total = SynthData.Classes * SynthData.PerClass;
            // Missing videos are listed and counted; under the 20 % a run allows they are not a problem themselves.
            Assert.Equal($"1 problem(s) in {dir}: {total - 1} videos scanned, {3 * total} split entries, 3 missing their video (8.3 %)", lines[^1]);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Data_check_lists_every_malformed_split_line_and_checks_the_rest()
    {
        var dir = data.Copy();
        try
        {
            var splits = Directory.GetFiles(dir, "*_test_split*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            var one = splits.First(f => f.EndsWith("_test_split1.txt"));
            var two = splits.Last(f => f.EndsWith("_test_split2.txt"));
            int oneLines = File.ReadAllLines(one).Length, twoLines = File.ReadAllLines(two).Length;
            File.AppendAllLines(one, ["three words here"]);
            File.AppendAllLines(two, ["clip.avi 7"]);
            var r = Support.CliProcess.Run("data", "check", dir);
            Assert.Equal(1, r.ExitCode);
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains($"{one}:{oneLines + 1}: expected '<name> <0|1|2>', got 'three words here'", lines);
            Assert.Contains($"{two}:{twoLines + 1}: expected '<name> <0|1|2>', got 'clip.avi 7'", lines);
            // The videos were still decoded and the well-formed entries checked.
            int total = SynthData.Classes * SynthData.PerClass;
            Assert.Equal($"2 problem(s) in {dir}: {total} videos scanned, {3 * total} split entries", lines[^1]);
        }
        finally { Directory.Delete(dir, true); }
    }
}
