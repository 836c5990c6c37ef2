using System.Collections;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Checkpoints;

/// <summary>
/// Reads a checkpoint file into a flat, ordered name → tensor map: zip pickles through <see cref="TorchZipReader"/>,
/// .safetensors through TorchSharp.PyBridge. Wrappers such as {'model': ..., 'epoch': 3} are unwrapped here.
/// </summary>
public static class CheckpointFile
{
    /// <summary>Keys that wrap the state_dict in training checkpoints, in the order they are tried.</summary>
    static readonly string[] Wrappers = ["model", "module", "state_dict", "model_state"];

    public static Dictionary<string, Tensor> Read(string path)
    {
        if (Files.InputFile.Problem(path, "checkpoint") is string bad)
            throw File.Exists(path) ? new InvalidDataException(bad) : new FileNotFoundException(bad, path);
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return ReadSafetensors(path);
        var root = TorchZipReader.Read(path);
        return Flatten(Unwrap(root, path), path);
    }

    static Dictionary<string, Tensor> ReadSafetensors(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        if (stream.Read(head) < 8) throw new InvalidDataException($"{path}: truncated safetensors file (no header)");
        ulong headerLength = BitConverter.ToUInt64(head);
        if (headerLength == 0 || headerLength > (ulong)stream.Length - 8 || headerLength > 100_000_000)
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLength} does not fit a {stream.Length}-byte file)");
        Dictionary<string, Tensor> dict;
        long dataEnd;
        try
        {
            // Validate the header ourselves so that a damaged file gets a clear message, not a PyBridge internal one.
            var json = new byte[headerLength];
            stream.ReadExactly(json);
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            dataEnd = 8 + (long)headerLength;
            var ranges = new List<(long Begin, long End, string Name)>();
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                // Every tensor must be a known dtype whose shape fills exactly its byte range inside the file,
                // checked before PyBridge allocates anything from the header's word.
                var v = entry.Value;
                var offsets = v.GetProperty("data_offsets");
                if (offsets.GetArrayLength() != 2) throw new InvalidDataException($"tensor {entry.Name}: data_offsets must have two entries");
                long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
                // A range past the end of the file is truncation, reported below for the whole file.
                if (begin < 0 || end < begin)
                    throw new InvalidDataException($"tensor {entry.Name}: byte range [{begin}, {end}) is malformed");
                long size = SafetensorsElementSize(v.GetProperty("dtype").GetString(), entry.Name);
                var shape = v.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToList();
                foreach (long n in shape)
                {
                    if (n < 0) throw new InvalidDataException($"tensor {entry.Name}: negative dimension {n}");
                    if (n != 0 && size > long.MaxValue / n)
                        throw new InvalidDataException($"tensor {entry.Name}: shape [{string.Join(", ", shape)}] needs more than 2⁶³ bytes");
                    size = n == 0 ? 0 : size * n;
                }
                if (size != end - begin) throw new InvalidDataException($"tensor {entry.Name}: its shape needs {size} bytes, its offsets give {end - begin}");
                dataEnd = Math.Max(dataEnd, 8 + (long)headerLength + end);
                if (end > begin) ranges.Add((begin, end, entry.Name));
            }
            // Two tensors sharing bytes would load as one aliased pair, which no safetensors writer produces.
            ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            for (int i = 1; i < ranges.Count; i++)
                if (ranges[i].Begin < ranges[i - 1].End)
                    throw new InvalidDataException($"tensors {ranges[i - 1].Name} [{ranges[i - 1].Begin}, {ranges[i - 1].End}) and {ranges[i].Name} [{ranges[i].Begin}, {ranges[i].End}) overlap");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or EndOfStreamException
                                      or FormatException or OverflowException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: damaged safetensors header ({e.Message})", e);
        }
        if (dataEnd > stream.Length) throw new InvalidDataException($"{path}: truncated safetensors file ({stream.Length} bytes, its header needs {dataEnd})");
        stream.Position = 0;
        try { dict = TorchSharp.PyBridge.Safetensors.LoadStateDict(stream, leaveOpen: true); }
        catch (NotImplementedException e) { throw new NotSupportedException($"{path}: {e.Message}", e); }
        // PyBridge returns a Dictionary in header order; keep it.
        return dict;
    }

    static long SafetensorsElementSize(string? dtype, string name) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new InvalidDataException($"tensor {name}: unknown dtype '{dtype}'"),
    };

    /// <summary>Descends through {'model': ...}/{'module': ...} wrappers to the dict that holds tensors.</summary>
    static Hashtable Unwrap(object root, string path)
    {
        if (root is not Hashtable table) throw new InvalidDataException($"{path}: the pickle holds a {root?.GetType().Name ?? "None"}, not a state_dict");
        for (int depth = 0; depth < 4; depth++)
        {
            if (table.Values.OfType<Tensor>().Any()) return table;
            var inner = Wrappers.Select(w => table[w]).OfType<Hashtable>().FirstOrDefault();
            if (inner == null) break;
            table = inner;
        }
        if (!table.Values.OfType<Tensor>().Any())
            throw new InvalidDataException($"{path}: no tensors found (top-level keys: {string.Join(", ", table.Keys.Cast<object>().Take(10))})");
        return table;
    }

    static Dictionary<string, Tensor> Flatten(Hashtable table, string path)
    {
        var keys = table is TorchZipReader.PickledDict d ? d.Order : table.Keys.Cast<object>().ToList();
        var result = new Dictionary<string, Tensor>();
        foreach (var k in keys)
            if (k is string name && table[k] is Tensor t) result[name] = t;
        if (result.Count == 0) throw new InvalidDataException($"{path}: no tensors found");
        return result;
    }
}
