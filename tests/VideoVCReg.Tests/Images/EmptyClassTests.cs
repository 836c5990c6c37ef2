using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Tests.Images;

/// <summary>A class left with no training image (an empty folder, a long tail too steep, nothing readable) is refused in one line.</summary>
public class EmptyClassTests
{
    /// <summary>An ImageFolder tree, <c>train/</c> and <c>val/</c>, of small PNGs: <paramref name="perClass"/> per class.</summary>
    static string Tree(string root, int classes, int perClass)
    {
        foreach (var (part, n) in new[] { ("train", perClass), ("val", 2) })
            for (int c = 0; c < classes; c++)
            {
                var dir = Directory.CreateDirectory(Path.Combine(root, part, $"class{c}")).FullName;
                for (int i = 0; i < n; i++)
                {
                    using var image = new Image<Rgb24>(8, 8, new Rgb24((byte)(30 * c), (byte)i, 9));
                    image.SaveAsPng(Path.Combine(dir, $"{i:D2}.png"));
                }
            }
        return root;
    }

    static InvalidDataException Refusal(string root, double? imbalance = null) =>
        Assert.Throws<InvalidDataException>(() => new ImageFolderSource(root, ImagePresets.Get("resnet32"), imbalance).Prepare(Path.Combine(root, "run"), default));

    [Fact]
    public void An_empty_class_folder_is_refused_naming_the_class()
    {
        var root = Directory.CreateTempSubdirectory("empty-class-").FullName;
        try
        {
            Tree(root, 3, 4);
            foreach (var f in Directory.GetFiles(Path.Combine(root, "train", "class1"))) File.Delete(f);
            Assert.Equal($"{Path.Combine(root, "train")}: no training image for class(es) class1; their folders hold no image file: remove them or add images",
                Refusal(root).Message);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_long_tail_that_empties_a_class_is_refused_with_the_largest_ratio_that_keeps_one()
    {
        var root = Directory.CreateTempSubdirectory("tail-class-").FullName;
        try
        {
            // 8 classes of 16: ×100 keeps ⌊16 · 100^(−c/7)⌋ = 16, 8, 4, 2, 1, 0, 0, 0.
            Tree(root, 8, 16);
            Assert.Equal("--imbalance 100 leaves class(es) class5, class6, class7 with no training image (16 images a class keep ⌊16 · 100^(−c/(C−1))⌋); at most --imbalance 16 here",
                Refusal(root, imbalance: 100).Message);
            var labels = Enumerable.Range(0, 8 * 16).Select(i => i % 8).ToArray();
            Assert.Equal(8, LongTail.Subsample(labels, 8, 16, seed: 0).Select(i => labels[i]).Distinct().Count());
            Assert.StartsWith("--imbalance 17 leaves class(es) 7 with no training image", Assert.Throws<InvalidDataException>(() => LongTail.Subsample(labels, 8, 17, seed: 0)).Message);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_class_none_of_whose_images_reads_is_refused_before_class_counts_are_written()
    {
        var root = Directory.CreateTempSubdirectory("unreadable-class-").FullName;
        try
        {
            Tree(root, 3, 4);
            var dir = Path.Combine(root, "train", "class2");
            foreach (var f in Directory.GetFiles(dir)) File.WriteAllText(f, "not an image");
            var e = Refusal(root);
            Assert.Equal($"{dir}: none of its 4 training images can be read (first: {Path.Combine(dir, "00.png")}: not an image in a format ImageSharp reads); fix the files or remove the class",
                e.Message);
            Assert.False(File.Exists(Path.Combine(root, "run", "class_counts.json")), "class_counts.json still counted the unreadable class");
            // One readable image is enough: the class trains on it, the rest are skipped by the loader.
            using (var image = new Image<Rgb24>(8, 8)) image.SaveAsPng(Path.Combine(dir, "03.png"));
            new ImageFolderSource(root, ImagePresets.Get("resnet32")).Prepare(Path.Combine(root, "run"), default);
            Assert.True(File.Exists(Path.Combine(root, "run", "class_counts.json")));
        }
        finally { Directory.Delete(root, true); }
    }
}
