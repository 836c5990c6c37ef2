using VideoVCReg.Decoding;
using TorchSharp;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

/// <summary>
/// The TensorBoard event files, read back without TensorBoard (Debian has none): TFRecord framing (length,
/// masked CRC-32C of the length, the Event protobuf, its masked CRC-32C) and the Event/Summary protobuf fields
/// decoded by hand. Every scalar of every epoch equals its number in metrics.jsonl.
/// </summary>
public class TensorBoardTests
{
    [Fact]
    public void Epoch_scalars_in_the_event_file_equal_metrics_jsonl()
    {
        var dir = Directory.CreateTempSubdirectory("tensorboard-").FullName;
        try
        {
            torch.manual_seed(7);
            using var model = TinyVideo.Model();
            var batches = TinyVideo.Batches(3, 4, 3, seed: 2);
            var options = new TrainOptions { Epochs = 2, BatchSize = 4, BaseLr = 0.2, WarmupEpochs = 0, MinLr = 0, LayerDecay = 1, Mixup = 0, Cutmix = 0 };
            var board = Path.Combine(dir, "tb");
            var trainer = new Trainer(model, options, CPU)
            {
                Regularization = (new VcReg(new VcRegOptions(), fast: true, logStats: true), Placement.Head),
                Validate = (e, _) => new Dictionary<string, double> { ["top1"] = 0.25 * (e + 1), ["top5"] = 1 },
                TensorBoardDir = board,
            };
            trainer.Fit(new TrainData((_, _) => TinyVideo.AsClipBatches(batches), 3), dir);

            var events = Directory.GetFiles(board, "events.out.tfevents.*").SelectMany(ReadEvents).ToList();
            Assert.Contains(events, e => e.Tag == null && e.FileVersion == "brain.Event:2");
            var scalars = events.Where(e => e.Tag != null).ToLookup(e => (e.Tag!, e.Step), e => e.Value);
            var lines = File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(2, lines.Count);
            foreach (var line in lines)
            {
                int x = line.GetProperty("epoch").GetInt32() + 1;
                void Same(string tag, double expected) =>
                    Assert.Equal((float)expected, Assert.Single(scalars[(tag, x)]));
                Same("train/loss", line.GetProperty("train_loss").GetDouble());
                Same("train/accuracy", line.GetProperty("train_accuracy").GetDouble());
                Same("train/lr_max", line.GetProperty("lr_max").GetDouble());
                Same("train/data_wait_share", line.GetProperty("data_wait_share").GetDouble());
                foreach (var v in line.GetProperty("validation").EnumerateObject()) Same($"validation/{v.Name}", v.Value.GetDouble());
                foreach (var v in line.GetProperty("regularizer").EnumerateObject()) Same($"regularizer/{v.Name}", v.Value.GetDouble());
                Assert.True(line.GetProperty("regularizer").GetProperty("vcreg_var").GetDouble() > 0);
                Assert.InRange(line.GetProperty("data_wait_share").GetDouble(), 0, 1);
            }
            // One step/loss per optimizer step, numbered 1..6.
            Assert.Equal(Enumerable.Range(1, 6), events.Where(e => e.Tag == "step/loss").Select(e => (int)e.Step).Order());
            Assert.All(events.Where(e => e.Tag != null), e => Assert.True(Math.Abs(e.WallTime - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) < 3600, $"wall time {e.WallTime}"));
        }
        finally { Directory.Delete(dir, true); }
    }

    sealed record Event(double WallTime, long Step, string? FileVersion, string? Tag, float Value);

    static IEnumerable<Event> ReadEvents(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var events = new List<Event>();
        for (int at = 0; at < bytes.Length;)
        {
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
            Assert.Equal(MaskedCrc(bytes.AsSpan(at, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)));
            var data = bytes.AsSpan(at + 12, (int)length);
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length)));
            events.AddRange(ParseEvent(data.ToArray()));
            at += 12 + (int)length + 4;
        }
        return events;
    }

    /// <summary>Event: 1 wall_time (double), 2 step (varint), 3 file_version (string), 5 summary {1 value {1 tag, 2 simple_value (float)}}.</summary>
    static IEnumerable<Event> ParseEvent(byte[] data)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        var values = new List<(string, float)>();
        foreach (var (field, wire, raw, number) in Fields(data))
        {
            if (field == 1 && wire == 1) wall = BitConverter.Int64BitsToDouble((long)number);
            else if (field == 2 && wire == 0) step = (long)number;
            else if (field == 3 && wire == 2) version = Encoding.UTF8.GetString(raw!);
            else if (field == 5 && wire == 2)
                foreach (var (vf, vw, value, _) in Fields(raw!))
                    if (vf == 1 && vw == 2)
                    {
                        string tag = "";
                        float simple = float.NaN;
                        foreach (var (f, w, r, n) in Fields(value!))
                        {
                            if (f == 1 && w == 2) tag = Encoding.UTF8.GetString(r!);
                            if (f == 2 && w == 5) simple = BitConverter.Int32BitsToSingle((int)n);
                        }
                        values.Add((tag, simple));
                    }
        }
        if (values.Count == 0) return [new Event(wall, step, version, null, 0)];
        return values.Select(v => new Event(wall, step, version, v.Item1, v.Item2));
    }

    static IEnumerable<(int Field, int Wire, byte[]? Bytes, ulong Number)> Fields(byte[] data)
    {
        for (int i = 0; i < data.Length;)
        {
            ulong key = Varint(data, ref i);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, wire, null, Varint(data, ref i)); break;
                case 1: yield return (field, wire, null, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(i))); i += 8; break;
                case 5: yield return (field, wire, null, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(i))); i += 4; break;
                case 2:
                    int n = (int)Varint(data, ref i);
                    yield return (field, wire, data[i..(i + n)], 0);
                    i += n;
                    break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
    }

    static ulong Varint(byte[] data, ref int i)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[i++];
            v |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return v;
        }
    }

    /// <summary>TFRecord's mask over CRC-32C (Castagnoli): rotate right 15, add 0xa282ead8.</summary>
    static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }
}
