using TorchSharp.Modules;
using VideoVCReg.Runtime;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Layers;

/// <summary>
/// torch.nn.Linear (keys `weight`, `bias`; the same initialisation, drawn by TorchSharp's own Linear so the random
/// stream is unchanged) whose product runs in the <see cref="Autocast"/> scope's type. TorchSharp's Linear is sealed.
/// </summary>
public sealed class AutocastLinear : nn.Module<Tensor, Tensor>
{
    // Public as TorchSharp's own modules have them; the field names are the state_dict keys.
    public Parameter weight;
    public Parameter? bias;

    public AutocastLinear(long inFeatures, long outFeatures, bool hasBias = true) : base("Linear")
    {
        using (var drawn = nn.Linear(inFeatures, outFeatures, hasBias))
        {
            weight = new Parameter(drawn.weight!.detach().clone());
            if (hasBias) bias = new Parameter(drawn.bias!.detach().clone());
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        nn.functional.linear(Autocast.Low(x), Autocast.Low(weight), Autocast.LowOrNull(bias));
}
