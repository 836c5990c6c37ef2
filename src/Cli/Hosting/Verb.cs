using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TorchSharp;
using VideoVCReg.Runtime;
using VideoVCReg.Runtime.Distributed;

namespace VideoVCReg.Cli.Hosting;

/// <summary>
/// Runs one verb inside a host: builds it, applies the runtime options, maps known failures to a
/// one-line message and exit code 1, and turns Ctrl+C into a clean stop (exit 130).
/// </summary>
public static class Verb
{
    public static void SetAction(Command command, Func<VerbContext, Task<int>> body,
        Action<IServiceCollection>? services = null)
    {
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                using var host = AppHost.Build(parse, services);
                var runtime = host.Services.GetRequiredService<IOptions<RuntimeOptions>>().Value;
                if (runtime.Threads < 0) throw new UserInputException($"Runtime:Threads (--threads) must be ≥ 0, 0 meaning all cores (got {runtime.Threads})");
                if (Experiment.Specs.SpecSeed.Problem(runtime.Seed) is string seed) throw new UserInputException(seed);
                if (runtime.Threads > 0) torch.set_num_threads(runtime.Threads);
                torch.manual_seed(runtime.Seed); // random weights and augmentation draws reproduce with --seed
                int code = await body(new VerbContext(parse, host.Services, runtime, ct));
                return code == 0 ? 0 : Ended(code);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Under mpirun rank 0 said so when the signal came (AnnounceInterrupt); the other ranks stay quiet: one line.
                if (World.Size == 1) Console.Error.WriteLine("videovcreg: stopped (interrupted)");
                return Ended(130);
            }
            catch (Exception e) when (IsUserFacing(e))
            {
                // A libtorch error can arrive wrapped (a backward that failed): its line too goes without the C++ stack.
                Console.Error.WriteLine($"videovcreg: {RankPrefix}{OneLine(NativeErrors.Describe(e.Message) ?? WithCause(e))}");
                // For developers: the whole exception, when the one line is not enough to find the cause.
                if (Environment.GetEnvironmentVariable("VIDEOVCREG_TRACE") == "1") Console.Error.WriteLine(e);
                return Ended(1);
            }
            catch (Exception e) when (World.Size == 1 && NativeErrors.Describe(e.Message) is string line)
            {
                Console.Error.WriteLine($"videovcreg: {line}{Details(e)}");
                if (Environment.GetEnvironmentVariable("VIDEOVCREG_TRACE") == "1") Console.Error.WriteLine(e);
                return Ended(1);
            }
            catch (Exception e) when (World.Size > 1)
            {
                // Anything else (a libtorch error, out of memory) must still end the other ranks, which may be waiting in a
                // collective for this one; MPI_Finalize would wait for them instead.
                Console.Error.WriteLine($"videovcreg: {RankPrefix}{NativeErrors.Describe(e.Message) ?? OneLine(e.Message)}");
                Console.Error.WriteLine(e);
                return Ended(1);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // What no check foresaw (a libtorch error on a value nothing validated): still one line, with the type so a
                // report can be traced; VIDEOVCREG_TRACE=1 prints the whole exception.
                Console.Error.WriteLine($"videovcreg: unexpected error ({e.GetType().Name}): {OneLine(e.Message)}{Details(e)}");
                if (Environment.GetEnvironmentVariable("VIDEOVCREG_TRACE") == "1") Console.Error.WriteLine(e);
                return Ended(1);
            }
        });
    }

    static ProcessGroup World => ProcessGroup.World;

    static int announced;

    /// <summary>
    /// The interrupted run's one line, from rank 0 of a data-parallel run as the signal arrives. mpirun passes SIGTERM and
    /// SIGINT on to every rank and kills them with SIGKILL one second later (Open MPI's odls_base_sigkill_timeout): a line
    /// written once a videomae-s step had ended never came, and the job ended with mpirun's exit code 1 alone.
    /// A single process says it once it has stopped (the verb's catch).
    /// </summary>
    internal static void AnnounceInterrupt()
    {
        if (World.Size > 1 && World.IsWriter && Interlocked.Exchange(ref announced, 1) == 0)
            Console.Error.WriteLine("videovcreg: stopped (interrupted)");
    }

    static string RankPrefix => World.Size > 1 ? $"rank {World.Rank}: " : "";

    /// <summary>
    /// A data-parallel run that fails on one rank ends on all: the others may be waiting in a collective for this one,
    /// so the error ends the whole MPI job (MPI_Abort) rather than this process alone.
    /// </summary>
    static int Ended(int code)
    {
        // An interrupted rank: mpirun, itself signalled, passed the signal to every rank and ends them all with SIGKILL a
        // second later. Waiting for that keeps Open MPI's MPI_ABORT banner from burying the one line.
        if (World.Size > 1 && code == 130)
        {
            Thread.Sleep(TimeSpan.FromSeconds(3));
            // Still here: the signal reached this rank alone. Aborting would leave the line to chance: rank 0, waiting in a
            // collective, said it only if the abort's SIGTERM reached it before the SIGKILL, and after Open MPI's banner.
            // Passed to the launcher, it ends the job as a signal to mpirun does; the wait is for mpirun's SIGKILL.
            if (World.InterruptJob()) Thread.Sleep(TimeSpan.FromSeconds(10));
            else if (!World.IsWriter) Console.Error.WriteLine($"videovcreg: rank {World.Rank}: stopped (interrupted: the signal reached this rank alone)");
        }
        if (World.Size > 1) World.Abort(code);
        return code;
    }

    static bool IsUserFacing(Exception e) => e is UserInputException or IOException or InvalidDataException or UnauthorizedAccessException
        or ArgumentException or InvalidOperationException or OptionsValidationException or NotSupportedException
        or FormatException;

    static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    /// <summary>
    /// .NET's configuration loader says only "Failed to load configuration from file 'F'." and keeps why (the JSON error and
    /// where it is) in the inner exception; the user needs both.
    /// </summary>
    internal static string WithCause(Exception e)
    {
        if (e is not InvalidDataException || !e.Message.StartsWith("Failed to load configuration", StringComparison.Ordinal)) return e.Message;
        var causes = new List<string> { e.Message.TrimEnd('.') };
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException) causes.Add(inner.Message.TrimEnd('.'));
        return string.Join(": ", causes);
    }

    /// <summary>
    /// For an error no check foresaw, the whole exception (managed and native stacks) goes to a file named at the end of the
    /// one line, so a failure seen once (in CI, on a user's machine) can be traced without rerunning it with VIDEOVCREG_TRACE=1.
    /// </summary>
    static string Details(Exception e)
    {
        try
        {
            var path = Path.Combine(Path.GetTempPath(), $"videovcreg-error-{Environment.ProcessId}.txt");
            File.WriteAllText(path, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z videovcreg {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}{Environment.NewLine}{e}{Environment.NewLine}");
            return $" (details: {path})";
        }
        catch (Exception) { return ""; } // a full or read-only temp folder: the line alone
    }
}

public sealed record VerbContext(ParseResult Parse, IServiceProvider Services, RuntimeOptions Runtime, CancellationToken Cancel)
{
    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();
    public T Options<T>() where T : class => Services.GetRequiredService<IOptions<T>>().Value;
    public torch.Device Device => TorchDevice.Resolve(Runtime.Device);
}
