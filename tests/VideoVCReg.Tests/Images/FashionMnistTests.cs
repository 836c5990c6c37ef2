using System.Security.Cryptography;
using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Experiment.Images;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Image;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Images;

/// <summary>Fashion-MNIST as Debian's dataset-fashion-mnist ships it: the IDX reader against numpy, the grey-to-RGB views, and the long tail.</summary>
public class FashionMnistTests
{
    static string Script => Path.Combine(AppContext.BaseDirectory, "fixtures", "data", "idx_numpy.py");
    const int Plane = 28 * 28;

    static string Md5(byte[] bytes, int at) => Convert.ToHexStringLower(MD5.HashData(bytes.AsSpan(at, Plane)));

    static JsonElement NumpyParse(string part) => JsonDocument.Parse(PythonScript.Run(Script, "parse",
        IdxTestFiles.Real($"{part}-images-idx3-ubyte"), IdxTestFiles.Real($"{part}-labels-idx1-ubyte"))).RootElement;

    [Fact]
    public void Idx_reader_matches_numpy_on_every_fashion_mnist_test_image()
    {
        var py = NumpyParse("t10k");
        Assert.Equal((10000, 28, 28), (py.GetProperty("count").GetInt32(), py.GetProperty("rows").GetInt32(), py.GetProperty("cols").GetInt32()));
        var md5 = py.GetProperty("md5").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var labels = py.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        var (_, grey) = IdxFolder.Read(GreySets.FashionMnistDir, GreySets.FashionClasses);
        Assert.Equal((10000, 1, 28, 28), (grey.Count, grey.Channels, grey.Height, grey.Width));
        Assert.Equal(labels, grey.Labels);
        Assert.Equal(0, Enumerable.Range(0, 10000).Count(i => Md5(grey.Pixels, i * Plane) != md5[i]));

        // What the networks get: each of the three channels of every image is numpy's grey image.
        var rgb = GreySets.Read(GreySets.FashionMnist, coarse: false).Test;
        Assert.Equal((10000, 3), (rgb.Count, rgb.Channels));
        Assert.Equal(0, Enumerable.Range(0, 3 * 10000).Count(k => Md5(rgb.Pixels, k * Plane) != md5[k / 3]));
        Assert.Equal(labels, rgb.Labels);
        Assert.Equal(GreySets.FashionClasses, rgb.Classes);
    }

    [Fact]
    public void Plain_and_gzipped_folders_read_alike_and_idx_names_classes_by_their_label_values()
    {
        var dir = Directory.CreateTempSubdirectory("idx-plain-").FullName;
        try
        {
            foreach (var name in IdxFolder.FileNames) File.WriteAllBytes(Path.Combine(dir, name), IdxTestFiles.Gunzip(IdxTestFiles.Real(name)));
            var (gzTrain, gzTest) = IdxFolder.Read(GreySets.FashionMnistDir, GreySets.FashionClasses);
            var plain = GreySets.Read($"fashion-mnist:{dir}", coarse: false);
            Assert.Equal(GreyImages.ToRgb(gzTrain).Pixels, plain.Train.Pixels);
            Assert.Equal(gzTest.Labels, plain.Test.Labels);
            var idx = GreySets.Read($"idx:{dir}", coarse: false);
            Assert.Equal([.. Enumerable.Range(0, 10).Select(c => $"{c}")], idx.Train.Classes);
            Assert.Equal(gzTrain.Labels, idx.Train.Labels);
            Assert.False(idx.Views.Flip);                                    // handwriting sets are not mirrored
            Assert.True(plain.Views.Flip);

            // EMNIST letters numbers its classes from 1: the classes are the values present, in order.
            var letters = Path.Combine(dir, "letters");
            IdxTestFiles.WriteSet(letters, 30, 10);
            var shifted = IdxTestFiles.Gunzip(Path.Combine(letters, "train-labels-idx1-ubyte.gz"))[8..].Select(l => (byte)(3 * l + 1)).ToArray();
            IdxTestFiles.Write(Path.Combine(letters, "train-labels-idx1-ubyte.gz"), IdxTestFiles.Header(0x0801, 30), shifted, gzip: true);
            var testRaw = IdxTestFiles.Gunzip(Path.Combine(letters, "t10k-labels-idx1-ubyte.gz"))[8..];
            var present = shifted.Distinct().Order().ToArray();
            IdxTestFiles.Write(Path.Combine(letters, "t10k-labels-idx1-ubyte.gz"), IdxTestFiles.Header(0x0801, 10), [.. testRaw.Select(_ => present[^1])], gzip: true);
            var (lt, ltest) = IdxFolder.Read(letters);
            Assert.Equal([.. present.Select(v => $"{v}")], lt.Classes);
            Assert.Equal([.. shifted.Select(v => Array.IndexOf(present, v))], lt.Labels);
            Assert.All(ltest.Labels, l => Assert.Equal(present.Length - 1, l));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Grey_views_repeat_into_three_channels_normalised_by_the_training_mean_and_std()
    {
        var stats = JsonDocument.Parse(PythonScript.Run(Script, "stats", IdxTestFiles.Real("train-images-idx3-ubyte"))).RootElement;
        double mean = stats.GetProperty("mean").GetDouble(), std = stats.GetProperty("std").GetDouble();
        var data = GreySets.Read(GreySets.FashionMnist, coarse: false);
        Assert.All(data.Views.Mean, m => Assert.Equal(mean, m, 1e-12));
        Assert.All(data.Views.Std, s => Assert.Equal(std, s, 1e-12));

        var run = Directory.CreateTempSubdirectory("fmnist-views-").FullName;
        try
        {
            var source = new CifarSource(GreySets.FashionMnist, ImagePresets.Get("resnet32"));
            source.Prepare(run, CancellationToken.None);
            var fold = source.Open(1, null, new TrainOptions { BatchSize = 16 }, 0);
            using var batch = fold.Test!.Epoch(0, CancellationToken.None).First();
            var (_, grey) = IdxFolder.Read(GreySets.FashionMnistDir, GreySets.FashionClasses);
            using var scope = NewDisposeScope();
            var expected = ((tensor(grey.Pixels[..(16 * Plane)], [16, 1, 28, 28]).to(ScalarType.Float64) / 255 - mean) / std).expand(16, 3, 28, 28);
            Assert.Equal(new long[] { 16, 3, 28, 28 }, batch.Inputs.shape);
            Assert.True(batch.Inputs.to(ScalarType.Float64).allclose(expected, rtol: 0, atol: 1e-5), "test views are not (grey/255 − mean)/std in every channel");
        }
        finally { Directory.Delete(run, true); }
    }

    [Fact]
    public void Long_tail_keeps_n_max_times_R_to_the_minus_c_over_C_minus_1_images_per_class()
    {
        var trainLabels = NumpyParse("train").GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int nMax = trainLabels.GroupBy(l => l).Max(g => g.Count());
        var run = Directory.CreateTempSubdirectory("fmnist-longtail-").FullName;
        try
        {
            new CifarSource(GreySets.FashionMnist, ImagePresets.Get("resnet32"), imbalance: 100).Prepare(run, CancellationToken.None);
            using var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "class_counts.json")));
            var rows = counts.RootElement.EnumerateArray().ToArray();
            Assert.Equal(GreySets.FashionClasses, rows.Select(r => r.GetProperty("class").GetString()));
            // LongTail floors: 6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60 (Cao et al.'s IMBALANCECIFAR10 uses int()).
            Assert.Equal(Enumerable.Range(0, 10).Select(c => (int)Math.Floor(nMax * Math.Pow(100, -c / 9.0))), rows.Select(r => r.GetProperty("train").GetInt32()));
            Assert.All(rows, r => Assert.Equal(1000, r.GetProperty("test").GetInt32()));
        }
        finally { Directory.Delete(run, true); }
    }
}
