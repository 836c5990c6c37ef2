using System.Globalization;
using VideoVCReg.FineTune;

namespace VideoVCReg.Experiment;

/// <summary>
/// One status line on stderr, rewritten in place (step, loss, lr, clips/s, ETA), only when stderr is a terminal:
/// redirected to a file or a CI log, nothing is written and the per-epoch log lines stand alone. At most five
/// redraws a second; <see cref="Clear"/> before the next log line. <c>VIDEOVCREG_PROGRESS=0</c> turns it off.
/// </summary>
public sealed class ProgressLine(string prefix)
{
    readonly bool enabled = !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("VIDEOVCREG_PROGRESS") != "0";
    DateTime last;

    public static string Format(StepProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {p.Epoch + 1}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch}  loss {p.Loss:F4}  lr {p.Lr:0.00e+00}  {p.ClipsPerSecond:F1} clips/s  ETA {Clock(p.Eta)}");

    public static string Format(string what, int done, int total, TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"{what} {done}/{total}  ETA {Clock(done == 0 ? TimeSpan.Zero : elapsed * ((double)(total - done) / done))}");

    static string Clock(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";

    public void Show(string text)
    {
        if (!enabled || (DateTime.UtcNow - last).TotalMilliseconds < 200) return;
        last = DateTime.UtcNow;
        int width = Math.Max(20, SafeWidth() - 1);
        var line = $"{prefix} {text}";
        Console.Error.Write("\r" + (line.Length > width ? line[..width] : line) + "\u001b[K");
    }

    public void Clear()
    {
        if (enabled) Console.Error.Write("\r\u001b[K");
    }

    static int SafeWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 120; } catch (IOException) { return 120; }
    }
}
