namespace VideoVCReg.Tests.Support;

/// <summary>
/// Tests whose outcome depends on torch's global random state (models initialised after <c>manual_seed</c>)
/// run alone: a test class running in parallel would draw from the same generator and change their weights.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    public const string Name = "torch's global random state";
}
