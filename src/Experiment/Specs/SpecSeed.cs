namespace VideoVCReg.Experiment.Specs;

/// <summary>The seed's range: data draws and the loaders take it as a 32-bit number, so a larger one would be cut, not used.</summary>
public static class SpecSeed
{
    public static string? Problem(long seed) =>
        seed is < int.MinValue or > int.MaxValue ? $"Runtime:Seed (--seed) must fit in 32 bits, [{int.MinValue}, {int.MaxValue}] (got {seed})" : null;
}
