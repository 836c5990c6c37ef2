using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Tests.Images;

/// <summary>SPEC@SEL: the selected classes' images and no others, relabelled in the order given.</summary>
public class ClassSelectionTests
{
    [Fact]
    public void Fashion_mnist_at_5_to_9_keeps_those_classes_images_relabelled_from_zero()
    {
        var (fineTrain, fineTest) = IdxFolder.Read(GreySets.FashionMnistDir, GreySets.FashionClasses);
        int[] classes = [7, 5, 6, 9, 8];   // out of order on purpose: the label is the place in the selection
        var picked = ClassSelection.Apply(fineTest, classes, "fashion-mnist@7,5,6,9,8");
        Assert.Equal(classes.Select(c => GreySets.FashionClasses[c]), picked.Classes);
        var originals = Enumerable.Range(0, fineTest.Count).Where(i => classes.Contains(fineTest.Labels[i])).ToList();
        Assert.Equal(originals.Count, picked.Count);
        for (int k = 0; k < picked.Count; k++)
        {
            int i = originals[k];
            Assert.Equal(Array.IndexOf(classes, fineTest.Labels[i]), picked.Labels[k]);
            Assert.True(fineTest.Pixels.AsSpan(i * fineTest.ImageBytes, fineTest.ImageBytes).SequenceEqual(picked.Pixels.AsSpan(k * picked.ImageBytes, picked.ImageBytes)), $"image {k} is not test image {i}");
        }

        var run = Directory.CreateTempSubdirectory("fmnist-select-").FullName;
        try
        {
            var source = ImageSources.Create("fashion-mnist@5-9", ImagePresets.Get("resnet32"));
            source.Prepare(run, CancellationToken.None);
            Assert.Equal(GreySets.FashionClasses[5..], source.Classes(1));
            Assert.Contains("classes 5,6,7,8,9", source.Description);
            using var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "class_counts.json")));
            Assert.Equal(Enumerable.Range(5, 5).Select(c => fineTrain.Labels.Count(l => l == c)), counts.RootElement.EnumerateArray().Select(r => r.GetProperty("train").GetInt32()));
        }
        finally { Directory.Delete(run, true); }
    }

    [Fact]
    public void A_cap_keeps_the_first_n_training_images_of_each_class_and_the_whole_test_part()
    {
        var (fineTrain, fineTest) = IdxFolder.Read(GreySets.FashionMnistDir, GreySets.FashionClasses);
        var run = Directory.CreateTempSubdirectory("fmnist-cap-").FullName;
        try
        {
            var source = ImageSources.Create("fashion-mnist@0-4#50", ImagePresets.Get("resnet32"));
            source.Prepare(run, CancellationToken.None);
            using var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "class_counts.json")));
            Assert.Equal(Enumerable.Repeat(50, 5), counts.RootElement.EnumerateArray().Select(r => r.GetProperty("train").GetInt32()));
            Assert.Equal(Enumerable.Range(0, 5).Select(c => fineTest.Labels.Count(l => l == c)), counts.RootElement.EnumerateArray().Select(r => r.GetProperty("test").GetInt32()));
        }
        finally { Directory.Delete(run, true); }
        // Which images: the first 50 of each class in file order.
        var capped = ClassSelection.Cap(fineTrain, 50);
        var expected = Enumerable.Range(0, 10).SelectMany(c => Enumerable.Range(0, fineTrain.Count).Where(i => fineTrain.Labels[i] == c).Take(50)).Order().ToList();
        Assert.Equal(expected.Select(i => fineTrain.Labels[i]), capped.Labels);
        int last = expected[^1];
        Assert.True(fineTrain.Pixels.AsSpan(last * fineTrain.ImageBytes, fineTrain.ImageBytes).SequenceEqual(capped.Pixels.AsSpan((capped.Count - 1) * capped.ImageBytes, capped.ImageBytes)));
    }

    [Theory]
    [InlineData("fashion-mnist#0", "'#0' must be a whole number of training images per class")]
    [InlineData("fashion-mnist@0-4#many", "'#many' must be a whole number")]
    [InlineData("fashion-mnist@9-5", "'@9-5' must list class indices or ranges")]
    [InlineData("fashion-mnist@x", "'@x' must list class indices or ranges")]
    [InlineData("fashion-mnist@1,1", "'@1,1' names a class twice")]
    public void A_bad_selection_is_one_line(string spec, string message) => Assert.Contains(message, ImageSources.Problem(spec));

    [Fact]
    public void A_path_holding_at_or_hash_is_a_path_and_a_selection_after_a_folder_is_one_line()
    {
        var root = Directory.CreateTempSubdirectory("select-paths-").FullName;
        try
        {
            // An IDX folder whose name ends like a selection is that folder.
            var odd = Path.Combine(root, "set@1");
            IdxTestFiles.WriteSet(odd, train: 20, test: 10);
            Assert.True(ClassSelection.Applies("idx:" + Path.Combine(root, "other@1")));
            Assert.False(ClassSelection.Applies("idx:" + odd));
            Assert.Equal(("idx:" + odd, (int[]?)null, (int?)null), ClassSelection.Split("idx:" + odd));
            Assert.Null(ImageSources.Problem("idx:" + odd));
            // A folder of image files is read file by file: a selection after it is refused, and a folder named with '#' is a folder.
            var folder = Path.Combine(root, "images");
            Directory.CreateDirectory(folder);
            Assert.Contains("a class selection (@…) or cap (#N) needs a set held in memory", ImageSources.Problem(folder + "@0-4"));
            Assert.False(ClassSelection.Applies(folder + "#3"));
            // With coarse labels a selection would name coarse classes: refused rather than guessed.
            Assert.Contains("with --labels coarse: a class selection would name coarse classes", ImageSources.Problem("fashion-mnist@0-3", coarse: true));
            Assert.Null(ImageSources.Problem("fashion-mnist#100", coarse: true));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_class_past_the_set_is_named()
    {
        var (_, test) = IdxFolder.Read(GreySets.FashionMnistDir, GreySets.FashionClasses);
        var e = Assert.Throws<ArgumentException>(() => ClassSelection.Apply(test, [3, 10], "fashion-mnist@3,10"));
        Assert.Contains("class 10 does not exist", e.Message);
    }
}
