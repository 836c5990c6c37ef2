using VideoVCReg.Decoding.Loading;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Distributed;

/// <summary>Each rank's share of an epoch, as PyTorch's DistributedSampler deals it, and the evaluation split by sample.</summary>
public class ShardTests
{
    [Fact]
    public void Training_order_is_padded_from_its_start_and_dealt_out_in_turn()
    {
        int[] order = [5, 3, 6, 0, 2, 1, 4];
        Assert.Equal([5, 6, 2, 4], new Shard(0, 2).Training(order));
        Assert.Equal([3, 0, 1, 5], new Shard(1, 2).Training(order));        // 7 → 8: the first entry again
        Assert.Equal([6, 1, 3], new Shard(2, 3).Training(order));        // 7 → 9, rank 2 of 3: entries 2, 5, 8
        Assert.Equal(order, new Shard(0, 1).Training(order));
    }

    [Fact]
    public void Evaluation_gives_each_sample_to_exactly_one_rank()
    {
        var owners = Enumerable.Range(0, 11).Select(i => Enumerable.Range(0, 3).Where(r => new Shard(r, 3).Evaluates(i)).ToList()).ToList();
        Assert.All(owners, o => Assert.Single(o));
        Assert.Equal(11, Enumerable.Range(0, 3).Sum(r => new Shard(r, 3).EvaluationCount(11)));
        Assert.Equal([4, 4, 3], Enumerable.Range(0, 3).Select(r => new Shard(r, 3).EvaluationCount(11)));
    }

    sealed class Numbers(int count, int views, bool shuffle, LoaderOptions options) : BackgroundLoader<Numbers.None>(options, null, "number")
    {
        public sealed class None : IDisposable { public void Dispose() { } }
        protected override int Count => count;
        protected override int ViewsPerItem => views;
        protected override bool Shuffle => shuffle;
        protected override None NewWorker() => new();
        protected override (string Path, string Id, long Label) Describe(int item) => ($"n{item}", $"n{item}", item);
        protected override Tensor View(None worker, int item, int view, Random rng) => tensor(new float[] { item, view });
    }

    [Fact]
    public void Step_k_of_two_ranks_holds_the_samples_of_step_k_of_one_process_at_twice_the_batch_with_views_together()
    {
        var one = new Numbers(10, 2, true, new LoaderOptions(BatchSize: 8, Seed: 9)).Order(epoch: 3);
        var ranks = Enumerable.Range(0, 2).Select(r => new Numbers(10, 2, true, new LoaderOptions(BatchSize: 4, Seed: 9, Rank: r, Ranks: 2)).Order(epoch: 3)).ToList();
        Assert.All(ranks, o => Assert.Equal(10, o.Count));                                  // 5 videos × 2 views each
        for (int k = 0; k < 2; k++)
        {
            var together = ranks.SelectMany(o => o.Skip(4 * k).Take(4)).Order();
            Assert.Equal(one.Skip(8 * k).Take(8).Order(), together);
        }
        // A video's two views sit side by side on one rank, as VideoMAE's num_sample views of one item.
        Assert.All(ranks, o => Assert.All(o.Chunk(2), pair => { Assert.Equal(pair[0].Item, pair[1].Item); Assert.Equal([0, 1], pair.Select(p => p.View)); }));
        // Another epoch deals another order.
        Assert.NotEqual(ranks[0], new Numbers(10, 2, true, new LoaderOptions(BatchSize: 4, Seed: 9, Rank: 0, Ranks: 2)).Order(epoch: 4));
    }

    [Fact]
    public void A_test_order_gives_each_rank_all_views_of_its_own_samples()
    {
        var orders = Enumerable.Range(0, 2).Select(r => new Numbers(5, 3, false, new LoaderOptions(Rank: r, Ranks: 2)).Order(0)).ToList();
        Assert.Equal([0, 2, 4], orders[0].Select(p => p.Item).Distinct());
        Assert.Equal([1, 3], orders[1].Select(p => p.Item).Distinct());
        Assert.Equal(15, orders.Sum(o => o.Count));
        Assert.All(orders, o => Assert.All(o.GroupBy(p => p.Item), g => Assert.Equal([0, 1, 2], g.Select(p => p.View))));
    }
}
