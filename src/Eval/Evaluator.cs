using TorchSharp;
using VideoVCReg.Runtime.Data;
using VideoVCReg.Runtime.Distributed;
using static TorchSharp.torch;

namespace VideoVCReg.Eval;

/// <summary>
/// Runs a model over test batches (any number of views per video, e.g. 10 clips × 3 crops) in eval mode without
/// gradients and merges the views per video (<see cref="ViewScores"/>). Video and image batches alike.
/// </summary>
public static class Evaluator
{
    /// <summary>
    /// Scores every view; <paramref name="onBatch"/> gets the number of batches done, for progress displays. In a data-parallel
    /// run (<paramref name="group"/>) each rank scores its share and the result covers every rank's videos, once each.
    /// </summary>
    public static EvalResult Run(nn.Module<Tensor, Tensor> model, IEnumerable<Batch> batches, Device device, CancellationToken cancel = default,
        Action<int>? onBatch = null, ProcessGroup? group = null)
    {
        int done = 0;
        bool wasTraining = model.training;
        model.eval();
        var scores = new ViewScores();
        ScalarType? parameterType = model.parameters().Select(p => (ScalarType?)p.dtype).FirstOrDefault();
        try
        {
            using var _ = no_grad();
            foreach (var batch in batches)
            {
                using var b = batch;
                using var scope = NewDisposeScope();
                cancel.ThrowIfCancellationRequested();
                var x = b.Inputs.to(device);
                // A float64 model (exactness runs) takes float64 inputs.
                if (parameterType is ScalarType t && x.is_floating_point() && x.dtype != t) x = x.to_type(t);
                var logits = model.call(x).to_type(ScalarType.Float32).cpu().contiguous();
                var labels = b.Labels.cpu().data<long>().ToArray();
                var flat = logits.data<float>().ToArray();
                int classes = (int)logits.shape[1];
                for (int i = 0; i < b.Count; i++)
                    scores.Add(b.SampleIds[i], (int)labels[i], flat.AsSpan(i * classes, classes));
                onBatch?.Invoke(++done);
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        scores.Gather(group ?? ProcessGroup.Single);
        return scores.Result();
    }
}
