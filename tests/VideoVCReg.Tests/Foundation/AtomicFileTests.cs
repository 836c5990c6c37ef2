using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Tests.Foundation;

/// <summary>Files written by several processes at once (sweep workers started together on one folder).</summary>
public class AtomicFileTests
{
    [Fact]
    public async Task Of_many_writers_racing_to_create_a_file_exactly_one_creates_it_and_none_fails()
    {
        var dir = Directory.CreateTempSubdirectory("atomic-once-").FullName;
        try
        {
            for (int round = 0; round < 10; round++)
            {
                var path = Path.Combine(dir, $"plan{round}.json");
                var text = $"{{ \"round\": {round}, \"pad\": \"{new string('x', 1 << 20)}\" }}";
                using var start = new ManualResetEventSlim();
                var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => { start.Wait(); return AtomicFile.CreateTextOnce(path, text); })).ToArray();
                start.Set();
                var created = await Task.WhenAll(writers);
                Assert.Equal(1, created.Count(c => c));
                Assert.Equal(text, File.ReadAllText(path));
            }
            // An existing file is left as it is, and no temporary file is left behind.
            var first = Path.Combine(dir, "plan0.json");
            Assert.False(AtomicFile.CreateTextOnce(first, "other"));
            Assert.StartsWith("{ \"round\": 0,", File.ReadAllText(first));
            Assert.Empty(Directory.GetFiles(dir, "*.partial"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
