using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

/// <summary>
/// Split files written by someone hostile or careless: paths out of the dataset, train/test leaks, repeated lines,
/// no split at all, missing videos. Every layout refuses or reports them the same way.
/// </summary>
[Collection(SynthDataCollection.Name)]
public class HostileSplitTests(SynthData synth)
{
    /// <summary>A real video, to put where a hostile line points (a refusal must not depend on the file being absent).</summary>
    string AnyVideo => Directory.GetFiles(Path.Combine(synth.Dir, "videos"), "*.avi", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();

    /// <summary>A small dataset of <paramref name="layout"/> with two classes, two train and one test video each, all real files.</summary>
    string Tiny(DatasetLayout layout, string root)
    {
        Directory.CreateDirectory(root);
        string[] classes = ["jump", "walk"];
        string Video(string relative)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(AnyVideo, path, overwrite: true);
            return relative;
        }
        switch (layout)
        {
            case DatasetLayout.Hmdb51:
                Directory.CreateDirectory(Path.Combine(root, "splits"));
                foreach (var c in classes)
                    File.WriteAllLines(Path.Combine(root, "splits", $"{c}_test_split1.txt"),
                        Enumerable.Range(0, 3).Select(i => $"{Path.GetFileName(Video($"videos/{c}/{c}_{i}.avi"))} {(i < 2 ? 1 : 2)}"));
                // The same lines for splits 2 and 3, so only what a test adds to split 1 is wrong.
                foreach (var c in classes)
                    for (int k = 2; k <= 3; k++)
                        File.Copy(Path.Combine(root, "splits", $"{c}_test_split1.txt"), Path.Combine(root, "splits", $"{c}_test_split{k}.txt"));
                break;
            case DatasetLayout.Ucf101:
                Directory.CreateDirectory(Path.Combine(root, "lists"));
                File.WriteAllLines(Path.Combine(root, "lists", "classInd.txt"), ["1 jump", "2 walk"]);
                File.WriteAllLines(Path.Combine(root, "lists", "trainlist01.txt"), classes.SelectMany((c, l) => Enumerable.Range(0, 2).Select(i => Video($"UCF-101/{c}/v_{c}_g0{i + 1}_c01.avi")[8..] + $" {l + 1}")));
                File.WriteAllLines(Path.Combine(root, "lists", "testlist01.txt"), classes.Select(c => Video($"UCF-101/{c}/v_{c}_g03_c01.avi")[8..]));
                for (int k = 2; k <= 3; k++)
                    foreach (var list in new[] { "trainlist", "testlist" })
                        File.Copy(Path.Combine(root, "lists", $"{list}01.txt"), Path.Combine(root, "lists", $"{list}0{k}.txt"));
                break;
            case DatasetLayout.Kinetics:
                string Rows(int from, int to) => string.Concat(classes.SelectMany(c => Enumerable.Range(from, to - from).Select(i =>
                    $"{c},{Path.GetFileNameWithoutExtension(Video($"clips/{c}{i}_000000_000010.mp4"))[..^14]},0,10,x\n")));
                File.WriteAllText(Path.Combine(root, "train.csv"), "label,youtube_id,time_start,time_end,split\n" + Rows(0, 2));
                File.WriteAllText(Path.Combine(root, "validate.csv"), "label,youtube_id,time_start,time_end,split\n" + Rows(2, 3));
                break;
            case DatasetLayout.List:
                File.WriteAllLines(Path.Combine(root, "train.csv"), classes.SelectMany((c, l) => Enumerable.Range(0, 2).Select(i => $"{Video($"v/{c}{i}.avi")} {l}")));
                File.WriteAllLines(Path.Combine(root, "test.csv"), classes.Select((c, l) => $"{Video($"v/{c}2.avi")} {l}"));
                break;
        }
        return root;
    }

    /// <summary>The train list's file of <paramref name="layout"/> and a line naming <paramref name="target"/> as a training video of class 0.</summary>
    static (string File, string Line) HostileTrainLine(DatasetLayout layout, string root, string target) => layout switch
    {
        DatasetLayout.Hmdb51 => (Path.Combine(root, "splits", "jump_test_split1.txt"), $"{target} 1"),
        DatasetLayout.Ucf101 => (Path.Combine(root, "lists", "trainlist01.txt"), target.StartsWith('/') ? $"{target} 1" : $"jump/{target} 1"),
        DatasetLayout.Kinetics => (Path.Combine(root, "train.csv"), $"jump,{target},0,10,x"),
        _ => (Path.Combine(root, "train.csv"), $"{target} 0"),
    };

    public static TheoryData<DatasetLayout, string> Escapes => new()
    {
        { DatasetLayout.Hmdb51, "../../../../outside/x.avi" }, { DatasetLayout.Hmdb51, "/etc/passwd" },
        { DatasetLayout.Ucf101, "../../../../outside/x.avi" }, { DatasetLayout.Ucf101, "/etc/passwd" },
        { DatasetLayout.Kinetics, "../../../../outside/x" }, { DatasetLayout.Kinetics, "/etc/passwd" },
        { DatasetLayout.List, "../../../../outside/x.avi" }, { DatasetLayout.List, "/etc/passwd" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void A_split_line_naming_a_file_outside_the_video_folder_is_refused(DatasetLayout layout, string target)
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-escape-").FullName;
        try
        {
            // The file the line reaches exists (and decodes), so only the path rule can refuse it.
            var root = Tiny(layout, Path.Combine(work, "a", "b", "c", "data"));
            var outside = Path.Combine(work, "a", "outside", "x.avi");
            Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
            File.Copy(AnyVideo, outside);
            var spec = new DatasetSpec(layout, root);
            Assert.NotNull(DatasetSplits.Load(spec, 1));            // the clean dataset loads
            var (file, line) = HostileTrainLine(layout, root, target);
            File.AppendAllText(file, line + "\n");
            int lineNo = File.ReadAllLines(file).Length;

            var e = Assert.Throws<InvalidDataException>(() => DatasetSplits.Load(spec, 1));
            Assert.StartsWith($"{file}:{lineNo}: ", e.Message);
            Assert.Contains(layout == DatasetLayout.Kinetics ? "is not a plain name" : target.Contains("..") ? "climbs with '..'" : "leaves the dataset's video folder", e.Message);
            var check = DatasetCheck.Run(spec);
            var problem = Assert.Single(check.Problems);
            Assert.Equal($"{file}:{lineNo}", problem.Path);
            Assert.Equal(6, check.Videos);                          // the outside file is never opened
        }
        finally { Directory.Delete(work, true); }
    }

    [Theory]
    [InlineData(DatasetLayout.Ucf101, "jump/../walk/v_walk_g01_c01.avi")]
    [InlineData(DatasetLayout.List, "v/../v/walk0.avi")]
    public void A_listed_path_that_climbs_back_into_the_folder_is_refused(DatasetLayout layout, string listed)
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-climb-").FullName;
        try
        {
            // Inside the folder once resolved, and the video exists: only the '..' is wrong (a UCF101 line would be labelled jump).
            var root = Tiny(layout, Path.Combine(work, "data"));
            var file = layout == DatasetLayout.Ucf101 ? Path.Combine(root, "lists", "trainlist01.txt") : Path.Combine(root, "train.csv");
            File.AppendAllText(file, $"{listed} 1\n");
            var e = Assert.Throws<InvalidDataException>(() => DatasetSplits.Load(new DatasetSpec(layout, root), 1));
            Assert.StartsWith($"{file}:{File.ReadAllLines(file).Length}: '{listed}' climbs with '..'", e.Message);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void List_paths_must_lie_in_the_video_root_which_defaults_to_the_list_folder()
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-listroot-").FullName;
        try
        {
            var lists = Directory.CreateDirectory(Path.Combine(work, "lists")).FullName;
            var videos = Directory.CreateDirectory(Path.Combine(work, "store", "k400")).FullName;
            File.Copy(AnyVideo, Path.Combine(videos, "a.avi"));
            File.Copy(AnyVideo, Path.Combine(videos, "b.avi"));
            // VideoMAE's lists hold absolute paths; they are taken when they lie in --video-root.
            File.WriteAllLines(Path.Combine(lists, "train.csv"), [$"{videos}/a.avi 0", "b.avi 1"]);
            File.WriteAllLines(Path.Combine(lists, "test.csv"), [$"{videos}/b.avi 1"]);
            var inRoot = ListFile.Listing(lists, videos);
            Assert.Empty(inRoot.Problems);
            Assert.Equal([Path.Combine(videos, "a.avi"), Path.Combine(videos, "b.avi")], inRoot.Train.Select(v => v.Path));
            // Without it the root is the list folder, which the absolute paths leave.
            var noRoot = ListFile.Listing(lists);
            Assert.Equal([$"{lists}/train.csv:1", $"{lists}/test.csv:1"], noRoot.Problems.Select(p => p.Path));
            Assert.Equal(Path.Combine(lists, "b.avi"), Assert.Single(noRoot.Train).Path);
            // A root given to another layout is a mistake, not ignored.
            Assert.Contains("--video-root is for list:DIR", Assert.Throws<FormatException>(() => DatasetSpec.Parse($"kinetics:{work}", videos)).Message);
        }
        finally { Directory.Delete(work, true); }
    }

    [Theory]
    [InlineData(DatasetLayout.Hmdb51)]
    [InlineData(DatasetLayout.Ucf101)]
    [InlineData(DatasetLayout.Kinetics)]
    [InlineData(DatasetLayout.List)]
    public void A_video_listed_for_train_and_test_is_a_leak_and_a_repeated_line_is_flagged(DatasetLayout layout)
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-leak-").FullName;
        try
        {
            var root = Tiny(layout, Path.Combine(work, "data"));
            var spec = new DatasetSpec(layout, root);
            var clean = DatasetSplits.Load(spec, 1);
            var testVideo = clean.Test.Items[0];
            var trainVideo = clean.Train.Items[0];
            // The test video listed again for training (class 0, as its test line says), and a training line repeated.
            string target = layout switch
            {
                DatasetLayout.Hmdb51 => Path.GetFileName(testVideo.Path),
                DatasetLayout.Ucf101 => Path.GetFileName(testVideo.Path),
                DatasetLayout.Kinetics => testVideo.Id[..^14],
                _ => testVideo.Id,
            };
            var (file, line) = HostileTrainLine(layout, root, target);
            var lines = File.ReadAllLines(file).ToList();
            var repeated = layout == DatasetLayout.Kinetics ? lines[1] : lines[0];
            File.WriteAllLines(file, [.. lines, line, repeated]);

            var leak = Assert.Throws<InvalidDataException>(() => DatasetSplits.Load(spec, 1));
            Assert.Contains($"{testVideo.Path} is also a training video ({file}:{lines.Count + 1})", leak.Message);
            Assert.Contains("1 video(s) of split 1 are listed for both train and test", leak.Message);

            var check = DatasetCheck.Run(spec);
            Assert.Equal(2, check.Problems.Count);
            Assert.Contains(check.Problems, p => p.Path == $"{file}:{lines.Count + 2}" && p.Reason.Contains($"lists {trainVideo.Id} again") && p.Reason.Contains("it would count twice"));
            Assert.Contains(check.Problems, p => p.Reason.Contains($"lists {testVideo.Id} for test, but {file}:{lines.Count + 1} lists it for train"));

            // The command line: one line naming the place, a non-zero exit.
            var run = CliProcess.Run("finetune", "--data", $"{DatasetSpec.Name(layout)}:{root}", "--out", Path.Combine(work, "run"), "--epochs", "1");
            Assert.Equal(1, run.ExitCode);
            var error = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("videovcreg: "));
            Assert.Contains("listed for both train and test", error);
        }
        finally { Directory.Delete(work, true); }
    }

    [Theory]
    [InlineData("ucf101")]
    [InlineData("kinetics")]
    [InlineData("list")]
    [InlineData("hmdb51")]
    public void A_videos_tree_without_split_files_is_no_split_not_ok(string layout)
    {
        var root = Directory.CreateTempSubdirectory("videovcreg-nosplit-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "videos", "walk"));
            File.Copy(AnyVideo, Path.Combine(root, "videos", "walk", "a.avi"));
            var r = CliProcess.Run("data", "check", $"{layout}:{root}");
            Assert.Equal(1, r.ExitCode);
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith($"{root}: no split found", lines[0]);
            Assert.Equal($"1 problem(s) in {root}: 0 videos scanned, 0 split entries", lines[^1]);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Missing_kinetics_clips_are_counted_listed_and_stop_a_run_above_the_threshold()
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-missing-").FullName;
        try
        {
            var root = Tiny(DatasetLayout.Kinetics, Path.Combine(work, "data"));
            var spec = new DatasetSpec(DatasetLayout.Kinetics, root);
            // One of four training clips gone (25 %): above the default 20 %, within 30 %.
            var gone = Path.Combine(root, "clips", "walk1_000000_000010.mp4");
            File.Delete(gone);
            var split = DatasetSplits.Load(spec, 1, maxMissing: 0.3);
            Assert.Equal(new SplitLoss(4, 1, 2, 0, 0), split.Loss);
            Assert.Equal("split 1: 1 of 4 train and 0 of 2 test videos missing", split.Loss.Describe(1));
            Assert.Equal(3, split.Train.Count);
            Assert.DoesNotContain(split.Train.Items, i => i.Path == gone);
            var e = Assert.Throws<InvalidDataException>(() => DatasetSplits.Load(spec, 1));
            Assert.Equal($"kinetics:{root}: split 1 train: 1 of 4 listed videos are missing (25 %), more than the 20 % allowed (--max-missing); videovcreg data check kinetics:{root} lists them", e.Message);

            var check = CliProcess.Run("data", "check", $"kinetics:{root}");
            Assert.Equal(1, check.ExitCode);
            var lines = check.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains($"{root}: train: 1 of 4 listed videos are missing (25 %), more than the 20 % a run allows (--max-missing)", lines);
            // What was searched for, not the stand-in path the listing keeps for the absent clip ({root}/walk1_000000_000010.*).
            var absent = $"lists youtube_id walk1, but no walk1_000000_000010.<ext> is anywhere below {root} (<ext>: mp4, webm, mkv, avi, mov, m4v, flv, 3gp, ogv, mpg, mpeg, ts)";
            Assert.Contains($"{root}/train.csv:5: {absent}", lines);
            Assert.Equal($"1 problem(s) in {root}: 5 videos scanned, 6 split entries, 1 missing their video (16.7 %)", lines[^1]);
            var lenient = CliProcess.Run("data", "check", $"kinetics:{root}", "--max-missing", "0.3");
            Assert.Equal(0, lenient.ExitCode);
            Assert.Equal("ok: 5 videos decode, 6 split entries, 1 missing their video (16.7 %)", lenient.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);

            // A run refuses with one line, and starts with --max-missing 0.3 (its start says what was lost: checked in DatasetLayoutTests).
            var run = CliProcess.Run("finetune", "--data", $"kinetics:{root}", "--out", Path.Combine(work, "run"), "--epochs", "1");
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("1 of 4 listed videos are missing (25 %)", Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("videovcreg: ")));

            // The absent clip listed for validation too is a leak, named by its clip name, as neither side has a file for it.
            File.AppendAllText(Path.Combine(root, "validate.csv"), "walk,walk1,0,10,x\n");
            var leak = Assert.Throws<InvalidDataException>(() => DatasetSplits.Load(spec, 1, maxMissing: 0.6));
            Assert.StartsWith($"{root}/validate.csv:4: walk1_000000_000010 is also a training video ({root}/train.csv:5); ", leak.Message);
            Assert.Contains(new DatasetProblem($"{root}/validate.csv:4", absent), DatasetCheck.Run(spec, maxMissing: 0.6).Missing);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void A_malformed_ucf101_class_index_is_one_problem_not_one_per_split()
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-classind-").FullName;
        try
        {
            var root = Tiny(DatasetLayout.Ucf101, Path.Combine(work, "data"));
            var classInd = Path.Combine(root, "lists", "classInd.txt");
            File.WriteAllLines(classInd, ["1 jump", "two walk"]);
            var expected = $"{classInd}:2: expected '2 <class>', got 'two walk'";

            // All three splits read this one file; it is one fault.
            var problem = Assert.Single(DatasetCheck.Run(new DatasetSpec(DatasetLayout.Ucf101, root)).Problems);
            Assert.Equal(expected, $"{problem.Path}: {problem.Reason}");
            var check = CliProcess.Run("data", "check", $"ucf101:{root}");
            Assert.Equal(1, check.ExitCode);
            Assert.Equal([expected, $"1 problem(s) in {root}: 0 videos scanned, 0 split entries"], check.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

            var run = CliProcess.Run("finetune", "--data", $"ucf101:{root}", "--split", "all", "--out", Path.Combine(work, "run"), "--epochs", "1");
            Assert.Equal(1, run.ExitCode);
            Assert.Equal("videovcreg: " + expected, Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("classInd")));
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void A_class_whose_videos_are_all_missing_fails_the_check_as_it_stops_a_run()
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-classgone-").FullName;
        try
        {
            // Both of jump's training clips gone: half the train side, under a --max-missing of 0.6, so only the empty class is wrong.
            var root = Tiny(DatasetLayout.Kinetics, Path.Combine(work, "k"));
            foreach (var f in Directory.GetFiles(Path.Combine(root, "clips"), "jump0_*").Concat(Directory.GetFiles(Path.Combine(root, "clips"), "jump1_*"))) File.Delete(f);
            var spec = new DatasetSpec(DatasetLayout.Kinetics, root);
            var e = Assert.Throws<InvalidDataException>(() => DatasetSplits.Load(spec, 1, maxMissing: 0.6));
            Assert.Contains("lists no train video for class(es) jump", e.Message);
            var check = DatasetCheck.Run(spec, maxMissing: 0.6);
            var problem = Assert.Single(check.Problems);
            Assert.Equal(("jump", "class jump has no train video on disk (every one listed is missing)"), (problem.Path, problem.Reason));
            Assert.Equal(2, check.Missing.Count);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Data_check_decodes_every_listed_entry_wherever_it_is()
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-decodeall-").FullName;
        try
        {
            var root = Tiny(DatasetLayout.Hmdb51, Path.Combine(work, "data"));
            // An entry below its class folder, not a video at all: only decoding it finds that.
            var nested = Path.Combine(root, "videos", "jump", "more", "fake.avi");
            Directory.CreateDirectory(Path.GetDirectoryName(nested)!);
            File.WriteAllBytes(nested, new byte[4096]);
            File.AppendAllLines(Path.Combine(root, "splits", "jump_test_split1.txt"), ["more/fake.avi 1"]);
            var check = DatasetCheck.Run(new DatasetSpec(DatasetLayout.Hmdb51, root));
            Assert.Equal(nested, Assert.Single(check.Problems, p => p.Path != root).Path);   // folds 2 and 3 are absent: those are the others
            Assert.Equal(7, check.Videos);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Dataset_specs_parse_layouts_and_their_splits()
    {
        Assert.Equal(new DatasetSpec(DatasetLayout.Hmdb51, "/d"), DatasetSpec.Parse("/d"));
        Assert.Equal(new DatasetSpec(DatasetLayout.Ucf101, "/d:x"), DatasetSpec.Parse("UCF101:/d:x"));
        Assert.Equal(new DatasetSpec(DatasetLayout.List, "rel", "/v"), DatasetSpec.Parse("list:rel", "/v"));
        Assert.Contains("'kinetcs' is not a dataset layout", Assert.Throws<FormatException>(() => DatasetSpec.Parse("kinetcs:/d")).Message);
        Assert.Contains("no folder after 'list:'", Assert.Throws<FormatException>(() => DatasetSpec.Parse("list:")).Message);
        var kinetics = DatasetSpec.Parse("kinetics:/k");
        Assert.Equal([1], kinetics.Folds("all"));
        Assert.Equal([1], kinetics.Folds("1"));
        Assert.Contains("kinetics:/k has one split (train and validate); give 1 or all", Assert.Throws<FormatException>(() => kinetics.Folds("2")).Message);
        Assert.Equal([1, 2, 3], DatasetSpec.Parse("ucf101:/u").Folds("all"));
        Assert.Equal([3, 1], DatasetSpec.Parse("/h").Folds("3,1"));
    }
}
