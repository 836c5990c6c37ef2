using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// LARS (You et al. 2017) as SimCLR's and VICReg's reference code runs it: per parameter, the gradient plus weight
/// decay is scaled by the trust ratio η‖w‖/‖g‖ (1 when either norm is 0), then heavy-ball momentum, then the step.
/// Groups with <see cref="Options.adapt"/> false (biases and norms, as the references filter them) skip both the
/// weight decay and the trust ratio.
/// </summary>
public sealed class Lars : OptimizerHelper
{
    public Lars(IEnumerable<ParamGroup> groups, double lr, double momentum = 0.9, double eta = 0.001)
    {
        _defaults = new Options { LearningRate = lr, InitialLearningRate = lr, momentum = momentum, eta = eta, weight_decay = 0, adapt = true };
        _parameter_groups = [];
        foreach (var g in groups) add_param_group(g);
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = group.Options;
        using var _ = no_grad();
        foreach (var p in group.Parameters)
        {
            var grad = p.grad;
            if (grad is null) continue;
            var state = (State)_state[p.Handle];
            using var scope = NewDisposeScope();
            var dp = grad;
            if (o.adapt!.Value)
            {
                if (o.weight_decay!.Value != 0) dp = dp.add(p, alpha: o.weight_decay.Value);
                var wn = p.norm();
                var gn = dp.norm();
                var one = ones_like(wn);
                var q = where(wn > 0, where(gn > 0, o.eta!.Value * wn / gn, one), one);
                dp = dp.mul(q);
            }
            state.mu ??= zeros_like(p).DetachFromDisposeScope();
            state.mu.mul_(o.momentum!.Value).add_(dp);
            p.add_(state.mu, alpha: -o.LearningRate!.Value);
        }
    }, closure);

    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        var d = (Options)_defaults;
        param_group.Options ??= new Options();
        var opt = (Options)param_group.Options;
        opt.LearningRate ??= d.LearningRate;
        opt.momentum ??= d.momentum;
        opt.eta ??= d.eta;
        opt.weight_decay ??= d.weight_decay;
        opt.adapt ??= d.adapt;
        opt.InitialLearningRate = opt.LearningRate!.Value;
        _parameter_groups.Add(param_group);
        foreach (var p in param_group.Parameters) _state[p.Handle] = new State(p);
    }

    public sealed class State(Parameter parameter) : OptimizerState(parameter), IDisposable
    {
        /// <summary>The momentum buffer (the references' 'mu'), made at the first step.</summary>
        public Tensor? mu;

        public void Dispose() => mu?.Dispose();
        public override void Initialize(OptimizerOptions options) => mu = null;
        public override void to(Device device) => mu = mu?.to(device);
        public override void LoadStateDict(BinaryReader reader) => throw new NotSupportedException("LARS state is restored through TrainingState");
        public override void SaveStateDict(BinaryWriter writer) => throw new NotSupportedException("LARS state is saved through TrainingState");
        public override void LoadStateDict(OptimizerState source) => mu = ((State)source).mu;
        public override bool ApproximatelyEquals(OptimizerState other) => other is State s && (mu is null ? s.mu is null : s.mu is not null && mu.allclose(s.mu));
    }

    public sealed class Options : OptimizerOptions
    {
        public double? momentum, eta, weight_decay;
        /// <summary>Weight decay and the trust ratio apply (false for biases and norms).</summary>
        public bool? adapt;
    }

    public sealed class ParamGroup : ParamGroup<Options>
    {
        public ParamGroup() { }
        public ParamGroup(IEnumerable<Parameter> parameters, Options options) : base(parameters, options) { }
    }
}
