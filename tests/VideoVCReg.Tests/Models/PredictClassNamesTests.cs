using VideoVCReg.Cli.Commands;

namespace VideoVCReg.Tests.Models;

/// <summary>
/// `predict --classes` takes the same dataset specs as `--data` (issue 27): each layout names its classes in the label
/// order training gives them, which for UCF101 is classInd.txt's order, not the sorted names HMDB51's reader gave.
/// </summary>
public class PredictClassNamesTests
{
    [Fact]
    public void Class_names_come_from_each_layouts_own_label_order()
    {
        var dir = Directory.CreateTempSubdirectory("predict-classes-").FullName;
        try
        {
            var ucf = Directory.CreateDirectory(Path.Combine(dir, "ucf", "ucfTrainTestlist")).FullName;
            File.WriteAllLines(Path.Combine(ucf, "classInd.txt"), ["1 Zebra", "2 Apple", "3 Mango"]);
            File.WriteAllLines(Path.Combine(ucf, "trainlist01.txt"), ["Zebra/v_a.avi 1", "Apple/v_b.avi 2", "Mango/v_c.avi 3"]);
            File.WriteAllLines(Path.Combine(ucf, "testlist01.txt"), ["Zebra/v_d.avi", "Apple/v_e.avi", "Mango/v_f.avi"]);
            Assert.Equal(["Zebra", "Apple", "Mango"], PredictCommand.ReadClassNames($"ucf101:{Path.Combine(dir, "ucf")}"));

            var kinetics = Directory.CreateDirectory(Path.Combine(dir, "k400", "annotations")).FullName;
            File.WriteAllLines(Path.Combine(kinetics, "train.csv"), ["label,youtube_id,time_start,time_end,split", "\"walk, fast\",aaa,0,10,train", "abseiling,bbb,5,15,train"]);
            File.WriteAllLines(Path.Combine(kinetics, "validate.csv"), ["label,youtube_id,time_start,time_end,split", "abseiling,ccc,0,10,validate"]);
            Assert.Equal(["abseiling", "walk, fast"], PredictCommand.ReadClassNames($"kinetics:{Path.Combine(dir, "k400")}"));

            var list = Directory.CreateDirectory(Path.Combine(dir, "list")).FullName;
            File.WriteAllLines(Path.Combine(list, "train.csv"), ["a.mp4 1", "b.mp4 0"]);
            File.WriteAllLines(Path.Combine(list, "test.csv"), ["c.mp4 1"]);
            // List files label by number only.
            Assert.Equal(["0", "1"], PredictCommand.ReadClassNames($"list:{list}"));

            // A bare folder is HMDB51, as before: sorted class names from the split files.
            var hmdb = Directory.CreateDirectory(Path.Combine(dir, "hmdb", "splits")).FullName;
            File.WriteAllLines(Path.Combine(hmdb, "walk_test_split1.txt"), ["w1.avi 1", "w2.avi 2"]);
            File.WriteAllLines(Path.Combine(hmdb, "climb_test_split1.txt"), ["c1.avi 1", "c2.avi 2"]);
            Assert.Equal(["climb", "walk"], PredictCommand.ReadClassNames(Path.Combine(dir, "hmdb")));

            var typo = Assert.Throws<FormatException>(() => PredictCommand.ReadClassNames($"kinetcs:{Path.Combine(dir, "k400")}"));
            Assert.StartsWith($"--classes kinetcs:{Path.Combine(dir, "k400")}: 'kinetcs' is not a dataset layout", typo.Message);
            var missing = Path.Combine(dir, "none");
            Assert.Equal($"ucf101:{missing}: no such class-names file or dataset folder (hmdb51:DIR (or a bare DIR), ucf101:DIR, kinetics:DIR or list:DIR)",
                Assert.Throws<FileNotFoundException>(() => PredictCommand.ReadClassNames($"ucf101:{missing}")).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
