using System.Collections;
using VideoVCReg.FineTune;

namespace VideoVCReg.Tests.FineTune;

/// <summary>Which checkpoints an epoch writes, what "best" and "last good" are on every rank, and what a resume puts back.</summary>
public class EpochCheckpointsTests
{
    static readonly IReadOnlyDictionary<string, Hashtable> State = new Dictionary<string, Hashtable> { ["trainer"] = [] };

    static Dictionary<string, double> Top1(double v) => new() { ["top1"] = v };

    [Fact]
    public void Best_follows_validation_top1_and_last_carries_the_state_with_the_best_so_far()
    {
        var saved = new List<(string File, bool WithState)>();
        var bests = new List<double>();
        var c = new EpochCheckpoints("/run", (path, state) => saved.Add((Path.GetFileName(path), state is not null)), writer: true);
        Assert.True(c.Enabled);
        Assert.Null(c.LastGood);
        Func<double, IReadOnlyDictionary<string, Hashtable>> state = best => { bests.Add(best); return State; };

        c.Write(Top1(0.5), null, state);
        c.Write(Top1(0.4), null, state);
        c.Write(new Dictionary<string, double>(), null, state);   // no validation: no best
        c.Write(Top1(0.6), null, state);
        Assert.Equal([("checkpoint-best.pth", false), ("checkpoint-last.pth", true), ("checkpoint-last.pth", true), ("checkpoint-last.pth", true),
            ("checkpoint-best.pth", false), ("checkpoint-last.pth", true)], saved);
        Assert.Equal([0.5, 0.5, 0.5, 0.6], bests);
        Assert.Equal(0.6, c.BestTop1);
        Assert.Equal(Path.Combine("/run", "checkpoint-last.pth"), c.LastGood);
    }

    [Fact]
    public void Another_rank_keeps_the_same_books_and_writes_nothing()
    {
        var saved = 0;
        var c = new EpochCheckpoints("/run", (_, _) => saved++, writer: false);
        c.Write(Top1(0.5), null, _ => throw new InvalidOperationException("the state is captured by the writer only"));
        Assert.Equal(0, saved);
        Assert.Equal(0.5, c.BestTop1);
        Assert.Equal(c.LastPath, c.LastGood);
    }

    [Fact]
    public void Without_a_writer_function_nothing_is_saved_and_no_checkpoint_is_good()
    {
        var c = new EpochCheckpoints("/run", null, writer: true);
        Assert.False(c.Enabled);
        c.Write(Top1(0.5), null, _ => State);
        Assert.Null(c.LastGood);
        Assert.Equal(double.NegativeInfinity, c.BestTop1);
    }

    [Fact]
    public void A_resumed_run_continues_from_the_saved_best_and_names_its_checkpoint_until_the_next()
    {
        var saved = new List<string>();
        var c = new EpochCheckpoints("/run", (path, _) => saved.Add(Path.GetFileName(path)), writer: true);
        c.Resumed("/run/checkpoint-last.pth", 0.7);
        Assert.Equal(("/run/checkpoint-last.pth", 0.7), (c.LastGood, c.BestTop1));
        c.Write(Top1(0.6), null, _ => State);
        Assert.Equal(["checkpoint-last.pth"], saved);
    }
}
