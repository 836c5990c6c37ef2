using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Experiment.Images;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Image;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Images;

/// <summary>The UCI digits python3-sklearn ships: the reader against load_digits, and the fixed stratified split.</summary>
public class UciDigitsTests
{
    static string Script => Path.Combine(AppContext.BaseDirectory, "fixtures", "data", "sklearn_digits.py");

    [Fact]
    public void Digits_reader_matches_sklearn_load_digits_on_all_1797_images()
    {
        var sk = JsonDocument.Parse(PythonScript.Run(Script)).RootElement;
        var pixels = sk.GetProperty("pixels").EnumerateArray().SelectMany(row => row.EnumerateArray().Select(v => (byte)v.GetInt32())).ToArray();
        var labels = sk.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var digits = UciDigits.Read(UciDigits.DebianPath);
        Assert.Equal((1797, 1, 8, 8), (digits.Count, digits.Channels, digits.Height, digits.Width));
        Assert.Equal(labels, digits.Labels);
        Assert.Equal(pixels, digits.Pixels);
        Assert.Equal(255, digits.Pixels.Max());                      // 16 is white
    }

    [Fact]
    public void Digits_split_is_stratified_proportional_and_follows_its_seed()
    {
        var all = UciDigits.Read(UciDigits.DebianPath);
        var (train, test) = GreySets.SplitDigits(all, GreySets.DigitsSplitSeed);
        // Per class round(¼ · n_c), halves up: 451 of 1,797 for the file's class sizes.
        for (int c = 0; c < 10; c++)
        {
            int n = all.Labels.Count(l => l == c);
            Assert.Equal((int)Math.Floor(GreySets.DigitsTestShare * n + 0.5), test.Labels.Count(l => l == c));
            Assert.Equal(n - test.Labels.Count(l => l == c), train.Labels.Count(l => l == c));
        }
        // The two parts are the whole file, each image once.
        static IEnumerable<string> Rows(ImageArray a) => Enumerable.Range(0, a.Count).Select(i => $"{a.Labels[i]}:{Convert.ToHexString(a.Pixels, i * 64, 64)}");
        Assert.Equal(Rows(all).Order(), Rows(train).Concat(Rows(test)).Order());

        Assert.Equal(test.Pixels, GreySets.SplitDigits(all, GreySets.DigitsSplitSeed).Test.Pixels);
        Assert.NotEqual(test.Pixels, GreySets.SplitDigits(all, GreySets.DigitsSplitSeed + 1).Test.Pixels);
        // --data digits is that split, and says its sizes.
        var data = GreySets.Read(GreySets.Digits, coarse: false);
        Assert.Equal(GreyImages.ToRgb(test).Pixels, data.Test.Pixels);
        Assert.Equal(GreyImages.ToRgb(train).Labels, data.Train.Labels);
        Assert.Contains($"{train.Count} train / {test.Count} test", new CifarSource(GreySets.Digits, ImagePresets.Get("resnet32")).Description);
    }

    /// <summary>
    /// CIFAR pads 32² images by 4; the 8² digits get 1 (the same eighth), and no mirror image: every training view is one of
    /// the 3 × 3 unflipped crops of the zero-padded image. A pad of 4 or a flip would leave many views matching none.
    /// </summary>
    [Fact]
    public void Digits_training_views_are_padded_by_one_pixel_and_never_mirrored()
    {
        var run = Directory.CreateTempSubdirectory("digits-views-").FullName;
        try
        {
            var data = GreySets.Read(GreySets.Digits, coarse: false);
            var source = new CifarSource(GreySets.Digits, ImagePresets.Get("resnet32"));
            source.Prepare(run, CancellationToken.None);
            var fold = source.Open(1, null, new TrainOptions { BatchSize = 128 }, 0);
            using var batch = fold.Train.Epoch(0, CancellationToken.None).First();
            using var scope = NewDisposeScope();
            double mean = data.Views.Mean[0], std = data.Views.Std[0];
            int unmatched = 0;
            for (int i = 0; i < 128; i++)
            {
                int row = int.Parse(batch.SampleIds[i]);
                var image = tensor(data.Train.Pixels[(row * 192)..((row + 1) * 192)], [3, 8, 8]).to(ScalarType.Float64) / 255;
                var padded = nn.functional.pad(image, [1, 1, 1, 1]);
                var view = batch.Inputs[i].to(ScalarType.Float64) * std + mean;
                bool any = false;
                for (int top = 0; top <= 2 && !any; top++)
                    for (int left = 0; left <= 2 && !any; left++)
                        any = view.allclose(padded[.., top..(top + 8), left..(left + 8)], rtol: 0, atol: 1e-5);
                if (!any) unmatched++;
            }
            Assert.Equal(0, unmatched);
        }
        finally { Directory.Delete(run, true); }
    }
}
