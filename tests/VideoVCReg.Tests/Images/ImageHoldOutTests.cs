using VideoVCReg.Experiment.Images;

namespace VideoVCReg.Tests.Images;

public class ImageHoldOutTests
{
    [Fact]
    public void The_share_is_taken_per_class_disjoint_and_the_same_for_the_same_seed()
    {
        // Class c has 10·(c+1) images, class 3 only one.
        var labels = Enumerable.Range(0, 3).SelectMany(c => Enumerable.Repeat(c, 10 * (c + 1))).Append(3).ToArray();
        var (fit, held) = ImageHoldOut.Split(labels, 0.2, seed: 5);
        Assert.Equal(Enumerable.Range(0, labels.Length), fit.Concat(held).Order());
        Assert.Equal([2, 4, 6], Enumerable.Range(0, 3).Select(c => held.Count(i => labels[i] == c)));
        Assert.DoesNotContain(held, i => labels[i] == 3);                 // a class of one stays in training
        Assert.Equal(held, ImageHoldOut.Split(labels, 0.2, seed: 5).Validation);
        Assert.NotEqual(held, ImageHoldOut.Split(labels, 0.2, seed: 6).Validation);
        Assert.Single(ImageHoldOut.Split([0, 0, 0], 0.01, seed: 0).Validation);   // at least one of a class with two or more
    }
}
