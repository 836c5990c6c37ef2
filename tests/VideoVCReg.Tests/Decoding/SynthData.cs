using VideoVCReg.Decoding.Synthetic;

namespace VideoVCReg.Tests.Decoding;

[CollectionDefinition(Name)]
public sealed class SynthDataCollection : ICollectionFixture<SynthData>
{
    public const string Name = "synthetic dataset";
}

/// <summary>A small synthetic HMDB51-layout dataset (3 classes × 4 real encoded videos), written once per test run.</summary>
public sealed class SynthData : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("videovcreg-synthdata-").FullName;
    public const int Classes = 3, PerClass = 4;

    public SynthData() => SyntheticDataset.Write(Dir, new SynthOptions(Classes, PerClass, Seed: 11, Mp4Every: 4));

    /// <summary>A fresh copy to damage.</summary>
    public string Copy()
    {
        var dst = Directory.CreateTempSubdirectory("videovcreg-synthcopy-").FullName;
        foreach (var f in Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(dst, Path.GetRelativePath(Dir, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        return dst;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
