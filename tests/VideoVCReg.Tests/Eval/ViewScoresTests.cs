using VideoVCReg.Eval;

namespace VideoVCReg.Tests.Eval;

public class ViewScoresTests
{
    [Fact]
    public void Views_merge_as_the_mean_of_softmaxes_not_of_logits()
    {
        var s = new ViewScores();
        // Mean logits would pick class 0 (1.67 vs 1.47); mean softmax picks class 1 (0.55 vs 0.39).
        s.Add("a", 1, [5f, 0f, 0f]);
        s.Add("a", 1, [0f, 2.2f, 0f]);
        s.Add("a", 1, [0f, 2.2f, 0f]);
        s.Add("b", 2, [0f, 3f, 1f]);                        // one view, wrong at top-1, right at top-2
        var r = s.Result();
        Assert.Equal(2, r.Videos);
        Assert.Equal(4, r.Views);
        var a = r.Predictions.Single(p => p.VideoId == "a");
        Assert.Equal(1, a.Predicted);
        Assert.Equal(3, a.Views);
        double e22 = Math.Exp((double)2.2f), e5 = Math.Exp(5);  // the logits are float32
        double want = (1 / (e5 + 2) + 2 * e22 / (e22 + 2)) / 3;
        Assert.Equal(want, a.Confidence, 12);
        Assert.Equal(0.5, r.Top1, 12);
        Assert.Equal(1.0, r.Top5, 12);
        Assert.Equal(0.5, r.MeanClassAccuracy, 12);          // class 1: 1/1, class 2: 0/1
    }

    [Fact]
    public void Inconsistent_views_of_one_video_are_an_error()
    {
        var s = new ViewScores();
        s.Add("a", 1, [0f, 1f]);
        Assert.Throws<InvalidDataException>(() => s.Add("a", 0, [0f, 1f]));
        Assert.Throws<InvalidDataException>(() => s.Add("a", 1, [0f, 1f, 2f]));
    }
}
