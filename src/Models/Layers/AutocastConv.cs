using TorchSharp.Modules;
using VideoVCReg.Runtime;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Layers;

/// <summary>torch.nn.Conv2d (square kernel, stride and padding; groups) under <see cref="Autocast"/>, as <see cref="AutocastLinear"/>.</summary>
public sealed class AutocastConv2d : nn.Module<Tensor, Tensor>
{
    // Public as TorchSharp's own modules have them; the field names are the state_dict keys.
    public Parameter weight;
    public Parameter? bias;
    readonly long stride, padding, groups;

    public AutocastConv2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0, long groups = 1, bool bias = true) : base("Conv2d")
    {
        (this.stride, this.padding, this.groups) = (stride, padding, groups);
        using (var drawn = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, groups: groups, bias: bias))
        {
            weight = new Parameter(drawn.weight!.detach().clone());
            if (bias) this.bias = new Parameter(drawn.bias!.detach().clone());
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.conv2d(Autocast.Low(x), Autocast.Low(weight), Autocast.LowOrNull(bias),
        strides: [stride, stride], padding: [padding, padding], groups: groups);
}

/// <summary>torch.nn.Conv3d with kernel = stride (a tubelet patch embedding) under <see cref="Autocast"/>.</summary>
public sealed class AutocastConv3d : nn.Module<Tensor, Tensor>
{
    // Public as TorchSharp's own modules have them; the field names are the state_dict keys.
    public Parameter weight;
    public Parameter? bias;
    readonly long[] stride;

    public AutocastConv3d(long inChannels, long outChannels, (long, long, long) kernel, (long, long, long) stride) : base("Conv3d")
    {
        this.stride = [stride.Item1, stride.Item2, stride.Item3];
        using (var drawn = nn.Conv3d(inChannels, outChannels, kernel, stride))
        {
            weight = new Parameter(drawn.weight!.detach().clone());
            bias = new Parameter(drawn.bias!.detach().clone());
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.conv3d(Autocast.Low(x), Autocast.Low(weight), Autocast.LowOrNull(bias), strides: stride);
}
