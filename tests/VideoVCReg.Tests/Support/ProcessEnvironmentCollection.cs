namespace VideoVCReg.Tests.Support;

/// <summary>
/// Tests that set VIDEOVCREG_* variables in this process run alone: every host built meanwhile, in any test, reads them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "the process environment";
}
