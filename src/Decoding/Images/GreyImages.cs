namespace VideoVCReg.Decoding.Images;

/// <summary>Grey image sets made ready for networks built for RGB: the grey plane repeated into three channels, and the grey mean and std to normalise by.</summary>
public static class GreyImages
{
    public static ImageArray ToRgb(ImageArray grey)
    {
        if (grey.Channels != 1) throw new ArgumentException($"{grey.Source}: {grey.Channels} channels, not grey");
        int plane = grey.Height * grey.Width;
        var rgb = new byte[grey.Count * 3 * plane];
        for (int i = 0; i < grey.Count; i++)
            for (int c = 0; c < 3; c++)
                Buffer.BlockCopy(grey.Pixels, i * plane, rgb, (3 * i + c) * plane, plane);
        return grey with { Pixels = rgb, Channels = 3 };
    }

    /// <summary>The mean and standard deviation (population) of every grey level, on torchvision's [0, 1] scale.</summary>
    public static (double Mean, double Std) Statistics(ImageArray grey)
    {
        if (grey.Channels != 1) throw new ArgumentException($"{grey.Source}: {grey.Channels} channels, not grey");
        var histogram = new long[256];
        foreach (var p in grey.Pixels) histogram[p]++;
        double n = grey.Pixels.Length, mean = 0, square = 0;
        for (int v = 0; v < 256; v++) { mean += histogram[v] * (v / 255.0); square += histogram[v] * (v / 255.0) * (v / 255.0); }
        mean /= n;
        return (mean, Math.Sqrt(Math.Max(0, square / n - mean * mean)));
    }
}
