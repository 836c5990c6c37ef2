namespace VideoVCReg.Models;

/// <summary>What a network takes: frames per clip (1 for images), the square input size, and the normalisation's name.</summary>
public sealed record InputSpec(int Frames, int Size, string Normalization);
