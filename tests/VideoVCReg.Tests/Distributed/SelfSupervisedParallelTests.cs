using VideoVCReg.Decoding.Images;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Distributed;

/// <summary>
/// `mpirun -np 2 videovcreg pretrain --objective simclr|vicreg --batch-size 4 --sync-bn` against one process at `--batch-size 8`:
/// the loss is computed on the batch gathered from both ranks (GatherRows), and the batch norms of backbone and projector
/// use both ranks' statistics (SyncBatchNorm), so every parameter and running statistic after an epoch of LARS steps
/// agrees to 1e-10 in float64, as do the epoch's loss and retrieval accuracy. Without --sync-bn the same run must differ
/// (per-rank batch norm, as DDP), so the comparison is not of a run with itself. float32 is not compared: these small
/// SSL steps amplify rounding so much that one process in float32 and in float64 already end 1e-4 apart after 5 steps.
/// </summary>
public class SelfSupervisedParallelTests : IClassFixture<SelfSupervisedParallelTests.Images>
{
    public sealed class Images : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("videovcreg-ssl-ddp-data-").FullName;
        public Images() => SyntheticImages.Write(Dir, new SynthImageOptions(TrainPerClass: 5, TestPerClass: 1, Seed: 2), AtomicFile.Write);
        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }

    readonly string data;
    readonly string work = Directory.CreateTempSubdirectory("videovcreg-ssl-ddp-").FullName;

    public SelfSupervisedParallelTests(Images images) => data = images.Dir;

    string[] Args(string name, string objective, int batch, params string[] more) =>
        ["pretrain", "--arch", "resnet32", "--objective", objective, "--projector", "32-16", "--data", $"cifar100:{Path.Combine(data, "source")}",
         .. more.Contains("--epochs") ? Array.Empty<string>() : ["--epochs", "1"], "--warmup-epochs", "0", "--optimizer", "lars", "--lr", "0.3", "--weight-decay", "1e-6", "--layer-decay", "1",
         "--mixup", "0", "--cutmix", "0", "--num-sample", "1", "--precision", "float64", "--seed", "4", "--threads", "1", "--workers", "1",
         "--batch-size", batch.ToString(), "--out", Path.Combine(work, name), .. more];

    Dictionary<string, Tensor> Checkpoint(string name) => CheckpointFile.Read(Path.Combine(work, name, "split1", "checkpoint-last.pth"));

    /// <summary>The epoch's (loss, retrieval accuracy, samples) from metrics.jsonl.</summary>
    (double Loss, double Accuracy, int Samples) Epoch(string name)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadLines(Path.Combine(work, name, "split1", "metrics.jsonl")).First());
        var e = doc.RootElement;
        return (e.GetProperty("train_loss").GetDouble(), e.GetProperty("train_accuracy").GetDouble(), e.GetProperty("samples").GetInt32());
    }

    static double MaxDiff(Dictionary<string, Tensor> a, Dictionary<string, Tensor> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.Where(kv => kv.Value.is_floating_point()).Max(kv => (kv.Value - b[kv.Key]).abs().max().item<double>());
    }

    [Theory]
    [InlineData("simclr", "vcreg")]
    [InlineData("vicreg", "none")]
    public void Two_processes_at_batch_4_with_synced_batch_norm_train_what_one_process_trains_at_batch_8(string objective, string reg)
    {
        // VCReg after every block, its statistics over the global batch too (--vcreg-sync), for the SimCLR case; at eq. 3's
        // scaling, since Algorithm 1's at every block diverges within steps at this β (the synced paper scaling is DataParallelTests').
        string[] regArgs = reg == "vcreg" ? ["--reg", "vcreg", "--alpha", "3", "--beta", "0.5", "--vcreg-scaling", "loss"] : ["--reg", "none"];
        var one = CliProcess.Run(Args("one", objective, 8, regArgs));
        Assert.True(one.ExitCode == 0, one.Stderr);
        var two = MpiRun.Run(2, Args("two", objective, 4, [.. regArgs, "--sync-bn", .. reg == "vcreg" ? new[] { "--vcreg-sync" } : []]));
        Assert.True(two.ExitCode == 0, two.Stdout + two.Stderr);
        Assert.Single(two.Stdout.Split('\n'), l => l.StartsWith("pretrained weights: "));   // rank 0 alone reports

        var (a, b) = (Checkpoint("one"), Checkpoint("two"));
        Assert.Contains("projector.1.running_var", a.Keys);
        Assert.True(MaxDiff(a, b) <= 1e-10, $"{objective}: parameters and running statistics {MaxDiff(a, b):E2} apart");
        var (e1, e2) = (Epoch("one"), Epoch("two"));
        Assert.Equal(e1.Samples, e2.Samples);
        Assert.Equal(e1.Loss, e2.Loss, 1e-10);
        Assert.Equal(e1.Accuracy, e2.Accuracy);   // the retrieval counts each rank's own rows against the gathered batch

        // Control: each rank's own batch-norm statistics (DDP's default; the SSL recipes sync, so it is switched off) train other weights.
        var local = MpiRun.Run(2, Args("local", objective, 4, [.. regArgs, "--sync-bn", "false", .. reg == "vcreg" ? new[] { "--vcreg-sync" } : []]));
        Assert.True(local.ExitCode == 0, local.Stdout + local.Stderr);
        Assert.True(MaxDiff(b, Checkpoint("local")) > 1e-4, "per-rank batch norm gave the synced weights");
    }

    [Theory]
    [InlineData("simclr")]
    [InlineData("supervised")]
    public void A_rank_whose_images_all_failed_skips_the_collective_step_with_the_others(string objective)
    {
        // ImageFolder data with one truncated PNG; at one image a step per rank, that rank's batch is empty once per epoch, and
        // the gathered loss (SimCLR) and the synced batch norms (both) need both ranks in the forward, so both must skip the
        // step before it (not hang in a collective).
        var folders = Path.Combine(work, "folders");
        var made = CliProcess.Run("data", "synth-images", "--out", folders, "--train-per-class", "5", "--test-per-class", "1", "--folders");
        Assert.True(made.ExitCode == 0, made.Stderr);
        var tree = Path.Combine(folders, "downstream-folder");
        var victim = Directory.EnumerateFiles(Path.Combine(tree, "train"), "*.png", SearchOption.AllDirectories).Order().First();
        File.WriteAllBytes(victim, File.ReadAllBytes(victim)[..60]);
        var args = Args("bad", objective, 1, "--reg", "none", "--sync-bn", "--epochs", "2").Select(a => a.StartsWith("cifar100:") ? tree : a).ToArray();
        if (objective == "supervised") args = [.. args.Where((a, i) => a != "--projector" && (i == 0 || args[i - 1] != "--projector"))];
        var r = MpiRun.Run(2, args);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var output = r.Stdout + r.Stderr;
        Assert.Contains(Path.GetFileName(victim), output);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(output, "had no readable sample in batch").Count);   // once an epoch
        var epochs = File.ReadAllLines(Path.Combine(work, "bad", "split1", "metrics.jsonl")).Where(l => l.Length > 0).ToList();
        Assert.Equal(2, epochs.Count);
        using var first = System.Text.Json.JsonDocument.Parse(epochs[0]);
        int steps = first.RootElement.GetProperty("steps").GetInt32();
        Assert.Equal(40 / 2 - 1, steps);                                             // 20 steps a rank, the one with the bad image skipped
        Assert.Equal(2 * steps, first.RootElement.GetProperty("samples").GetInt32());  // both ranks' image in every other step
    }
}
