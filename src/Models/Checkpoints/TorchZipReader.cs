using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Checkpoints;

/// <summary>
/// Reads `torch.save` zip archives (.pth/.pt/.bin) with the pickle machinery TorchSharp.PyBridge is built on
/// (Razorvine.Pickle), but rebuilds tensors the way torch does: each storage is read once at its own size
/// and every tensor is a strided view into it. PyBridge 1.4.4 sizes the storage from the first tensor that
/// names it, so views at an offset (q/k/v sliced from a fused weight) fail with "setStorage ... out of bounds".
/// </summary>
public static class TorchZipReader
{
    /// <summary>The unpickled top-level object: a Hashtable for dicts, with tensors at the leaves.</summary>
    public static object Read(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        if (file.Read(magic) < 4 || magic[0] != 0x50 || magic[1] != 0x4b || magic[2] != 0x03 || magic[3] != 0x04)
            throw new InvalidDataException(magic[0] == 0x80
                ? $"{path}: a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current torch.save"
                : $"{path}: not a PyTorch checkpoint (no zip signature; expected .pth/.pt/.bin from torch.save or .safetensors)");
        file.Position = 0;
        ZipArchive zip;
        try { zip = new ZipArchive(file, ZipArchiveMode.Read); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: damaged or truncated checkpoint ({e.Message})", e); }
        using (zip)
        {
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal))
                ?? throw new InvalidDataException($"{path}: zip archive without data.pkl, not a torch.save file");
            var prefix = pkl.FullName[..^"data.pkl".Length];
            lock (Gate)
            {
                Register();
                try
                {
                    using var stream = pkl.Open();
                    using var unpickler = new StorageUnpickler(zip, prefix, path);
                    return unpickler.load(stream);
                }
                // A damaged or hostile pickle can fail in many ways inside the unpickler (index, cast, format,
                // overflow, null errors); each is one clear error naming the file, never a stack trace.
                catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"{path}: {e.Message}", e);
                }
                // Razorvine builds an unknown global as a ClassDict and fails when the pickle calls it with arguments:
                // that is a __reduce__ asking the loader to run a function, which no state_dict does.
                catch (PickleException e) when (System.Text.RegularExpressions.Regex.Match(e.Message, @"ClassDict \(for ([^)]+)\)") is { Success: true } m)
                {
                    throw new InvalidDataException($"{path}: the pickle asks to call {m.Groups[1].Value} when loaded, which no checkpoint needs " +
                        "(torch.load with weights_only=True refuses it too); nothing was run and the file is not loaded", e);
                }
                catch (Exception e) when (e is not (OutOfMemoryException or InvalidDataException))
                {
                    throw new InvalidDataException($"{path}: cannot read the pickle ({e.GetType().Name}: {e.Message})", e);
                }
            }
        }
    }

    static readonly object Gate = new();

    // Razorvine keeps constructors in one static table that PyBridge also writes to, so ours are put back
    // before every read (cheap) rather than once.
    static void Register()
    {
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensor());
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", new RebuildTensor());
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", new RebuildParameter());
        Unpickler.registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
        // Training checkpoints also carry argparse namespaces, numpy scalars and the like; keep them opaque.
        foreach (var (m, n) in new[] { ("numpy.core.multiarray", "scalar"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                     ("argparse", "Namespace"), ("torch", "device"), ("torch", "Size") })
            Unpickler.registerConstructor(m, n, new Opaque());
    }

    sealed class StorageUnpickler(ZipArchive zip, string prefix, string path) : Unpickler
    {
        readonly Dictionary<string, Tensor> storages = new();

        protected override object persistentLoad(object pid)
        {
            var t = (object[])pid;
            if (t.Length < 5 || t[0] as string != "storage") throw new InvalidDataException($"{path}: unknown persistent id in the pickle");
            var dtype = DtypeOf(((ClassDictConstructor)t[1]).name);
            var key = (string)t[2];
            long numel = Convert.ToInt64(t[4]);
            if (storages.TryGetValue(key, out var s)) return s;
            var entry = zip.GetEntry($"{prefix}data/{key}") ?? throw new InvalidDataException($"{path}: storage data/{key} is missing from the archive");
            // Check the claimed size against the bytes really there before allocating anything.
            long elementSize = torch.empty(0, dtype).ElementSize;
            if (numel < 0 || numel > entry.Length / elementSize)
                throw new InvalidDataException($"{path}: storage data/{key} claims {numel} elements, but holds {entry.Length} bytes (truncated or damaged?)");
            long bytes = numel * elementSize;
            var buffer = new byte[bytes];
            using (var es = entry.Open())
            {
                es.ReadExactly(buffer);
                // torch.save writes each entry's CRC-32 and zip readers check it; a flipped block would otherwise load as
                // weights and surface much later as a NaN loss that names no file.
                var crc = new System.IO.Hashing.Crc32();
                crc.Append(buffer);
                crc.Append(es);
                if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
                    throw new InvalidDataException($"{path}: storage data/{key} fails its CRC-32 check (damaged file)");
            }
            s = torch.empty(numel, dtype);
            s.bytes = buffer;
            storages[key] = s;
            return s;
        }

        static ScalarType DtypeOf(string storage) => storage switch
        {
            "FloatStorage" => ScalarType.Float32,
            "DoubleStorage" => ScalarType.Float64,
            "HalfStorage" => ScalarType.Float16,
            "BFloat16Storage" => ScalarType.BFloat16,
            "LongStorage" => ScalarType.Int64,
            "IntStorage" => ScalarType.Int32,
            "ShortStorage" => ScalarType.Int16,
            "CharStorage" => ScalarType.Int8,
            "ByteStorage" => ScalarType.Byte,
            "BoolStorage" => ScalarType.Bool,
            _ => throw new NotSupportedException($"tensor storage type {storage} is not supported"),
        };
    }

    /// <summary>_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks): a view, like torch.</summary>
    sealed class RebuildTensor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            var storage = (Tensor)args[0];
            long offset = Convert.ToInt64(args[1]);
            var size = ((object[])args[2]).Select(Convert.ToInt64).ToArray();
            var stride = ((object[])args[3]).Select(Convert.ToInt64).ToArray();
            if (offset < 0 || size.Any(n => n < 0) || stride.Any(st => st < 0) || size.Length != stride.Length)
                throw new InvalidDataException($"tensor with size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}], offset {offset} is malformed");
            if (size.Contains(0)) return torch.empty(size, storage.dtype);
            long extent = checked(offset + 1 + size.Zip(stride, (n, s) => (n - 1) * s).Sum());
            if (extent > storage.numel())
                throw new InvalidDataException($"tensor of size [{string.Join(", ", size)}] at offset {offset} reaches past its storage of {storage.numel()} elements");
            return storage.as_strided(size, stride, offset);
        }
    }

    sealed class RebuildParameter : IObjectConstructor
    {
        public object construct(object[] args) => args[0];
    }

    sealed class OrderedDictConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new PickledDict();
    }

    /// <summary>An OrderedDict: a Hashtable that remembers insertion order (state_dict order matters for saving).</summary>
    public sealed class PickledDict : Hashtable
    {
        public List<object> Order { get; } = new();
        public override void Add(object key, object? value) { if (!ContainsKey(key)) Order.Add(key); base.Add(key, value); }
        public override object? this[object key]
        {
            get => base[key];
            set { if (!ContainsKey(key)) Order.Add(key); base[key] = value; }
        }
        // BUILD carries the instance attributes (state_dict's `_metadata`), not items: those come by SETITEMS.
        public void __setstate__(Hashtable state) { }
    }

    sealed class Opaque : IObjectConstructor
    {
        public object construct(object[] args) => new OpaqueObject();
    }

    public sealed class OpaqueObject
    {
        public void __setstate__(object state) { }
        public void __setstate__(Hashtable state) { }
        public void __setstate__(object[] state) { }
    }
}
