using VideoVCReg.Decoding.Native;

namespace VideoVCReg.Decoding;

/// <summary>One demuxed packet of the video stream, in decode order; <see cref="Pos"/> is its byte offset in the file.</summary>
internal readonly record struct PacketEntry(long Pts, long Dts, long Pos, bool IsKey);

/// <summary>
/// Where each frame is. Frame <c>K</c> is the K-th frame the decoder outputs, which is what
/// <c>select=eq(n\,K)</c> picks in the ffmpeg CLI. The reader identifies every decoded frame by the
/// pts it carries out of the decoder, which libavcodec copies from the packet that coded the picture;
/// so the index maps pts to frame, and the reader makes sure every packet it sends carries the pts
/// listed here. When the container gives every packet a distinct pts, those are used and the K-th
/// smallest is frame K. When it does not (AVI stores decode times only, so MPEG-4 Part 2 and H.264
/// with B-frames have no presentation times there; MPEG-PS leaves some out), the presentation order is
/// learnt from one decoding pass and the reader writes pts into the packets itself, looked up by the
/// packet's byte offset, which unlike a demuxer's inferred timestamps is the same after any seek
/// (<see cref="Restamps"/>). Without either, <see cref="Timed"/> is false and frames are counted from the start.
/// </summary>
internal sealed class FrameIndex
{
    /// <summary>The pts given to a packet that yields no frame: it matches no entry.</summary>
    internal const long Unlisted = long.MinValue + 1;

    readonly long[] timestamps;     // per frame, ascending: the pts it leaves the decoder with
    readonly int[] decodePositions; // per frame: its packet's position in decode order
    readonly int[] keyframes;       // frame indices of keyframes, ascending
    readonly long[][] seekTargets;  // per keyframe: timestamps to try with av_seek_frame, best first
    readonly Dictionary<long, long>? restamps; // byte offset → pts
    readonly bool timesAreReal;

    public int Count => timestamps.Length;
    public bool Timed { get; }
    /// <summary>True when packets get their pts from this index (by byte offset) instead of the container.</summary>
    public bool Restamps => restamps != null;

    /// <summary>Last minus first presentation timestamp (stream time base); 0 when unknown.</summary>
    public long TimestampSpan => Timed && timesAreReal && Count > 0 ? timestamps[^1] - timestamps[0] : 0;

    FrameIndex(long[] timestamps, int[] decodePositions, int[] keyframes, long[][] seekTargets, Dictionary<long, long>? restamps, bool timed, bool timesAreReal)
        => (this.timestamps, this.decodePositions, this.keyframes, this.seekTargets, this.restamps, Timed, this.timesAreReal)
            = (timestamps, decodePositions, keyframes, seekTargets, restamps, timed, timesAreReal);

    /// <summary>Reads every packet of <paramref name="stream"/> once; leaves the demuxer at the end.</summary>
    internal static List<PacketEntry> ScanPackets(FormatContextHandle format, PacketHandle packet, int stream)
    {
        var packets = new List<PacketEntry>();
        while (format.ReadPacket(packet) >= 0)
        {
            // Empty packets (AVI drop markers) and packets cut by an edit list never become output frames.
            if (packet.StreamIndex == stream && packet.Size > 0 && (packet.Flags & Av.PacketFlagDiscard) == 0)
                packets.Add(new(packet.Pts, packet.Dts, packet.Pos, (packet.Flags & Av.PacketFlagKey) != 0));
            packet.Unref();
        }
        return packets;
    }

    /// <summary>True when every packet has its own pts: the container's presentation order can be trusted.</summary>
    internal static bool HasPresentationTimes(IReadOnlyList<PacketEntry> packets) =>
        packets.All(p => p.Pts != Av.NoPts) && packets.Select(p => p.Pts).Distinct().Count() == packets.Count;

    /// <summary>True when byte offsets tell packets apart: a decoding pass can then learn the order.</summary>
    internal static bool HasPositions(IReadOnlyList<PacketEntry> packets) =>
        packets.Count > 0 && packets.All(p => p.Pos >= 0) && packets.Select(p => p.Pos).Distinct().Count() == packets.Count;

    /// <summary>The index from the container's presentation times (<see cref="HasPresentationTimes"/> must hold).</summary>
    internal static FrameIndex FromPresentationTimes(IReadOnlyList<PacketEntry> packets)
    {
        var order = Enumerable.Range(0, packets.Count).OrderBy(i => packets[i].Pts).ToArray();
        // Seeks try the keyframe's presentation time first: MP4 and Matroska index keyframes by it, and
        // its decode time would land a whole GOP early there. MPEG-TS seeks by decode time, where the
        // presentation time lands after the keyframe; the landing check then retries with the dts.
        return Build(order.Select(i => packets[i].Pts).ToArray(), order, packets,
            p => p.Dts != Av.NoPts && p.Dts != p.Pts ? [p.Pts, p.Dts] : [p.Pts], restamps: null, timesAreReal: true);
    }

    /// <summary>
    /// The index from the order a full decode output the packets in: <paramref name="outputPositions"/> holds,
    /// per output frame, the byte offset of the packet that coded it (the reader tags packets with pts = offset for that pass).
    /// </summary>
    internal static FrameIndex FromDecodeOutput(IReadOnlyList<PacketEntry> packets, IReadOnlyList<long> outputPositions)
    {
        var position = new Dictionary<long, int>(packets.Count);
        for (int i = 0; i < packets.Count; i++) position[packets[i].Pos] = i;
        // A tag seen twice or never sent means the decoder did not keep one picture per packet: count instead.
        if (outputPositions.Any(t => !position.ContainsKey(t)) || outputPositions.Distinct().Count() != outputPositions.Count)
            return Untimed(outputPositions.Count);
        var frames = outputPositions.Select(t => packets[position[t]]).ToList();
        // The times a remuxer would write: the decode times in presentation order; frame numbers when those are unusable.
        var dts = frames.Select(p => p.Dts).Order().ToArray();
        bool real = dts.All(t => t != Av.NoPts) && dts.Distinct().Count() == dts.Length;
        var times = real ? dts : [.. Enumerable.Range(0, frames.Count).Select(k => (long)k)];
        var restamps = new Dictionary<long, long>(frames.Count);
        for (int k = 0; k < frames.Count; k++) restamps[outputPositions[k]] = times[k];
        // These demuxers seek by decode time (AVI's index, MPEG-PS's scan); a landing past the keyframe is caught.
        return Build(times, [.. outputPositions.Select(t => position[t])], packets,
            p => p.Dts != Av.NoPts ? [p.Dts] : p.Pts != Av.NoPts ? [p.Pts] : [], restamps, real);
    }

    internal static FrameIndex Untimed(int count) => new(new long[count], [], [], [], null, false, false);

    static FrameIndex Build(long[] times, int[] positions, IReadOnlyList<PacketEntry> packets, Func<PacketEntry, long[]> seekTargets,
        Dictionary<long, long>? restamps, bool timesAreReal)
    {
        var keys = Enumerable.Range(0, times.Length).Where(k => packets[positions[k]].IsKey).ToArray();
        return new FrameIndex(times, positions, keys, [.. keys.Select(k => seekTargets(packets[positions[k]]))], restamps, true, timesAreReal);
    }

    /// <summary>The pts the reader writes into the packet at byte offset <paramref name="pos"/> (<see cref="Restamps"/> only).</summary>
    public long RestampedPts(long pos) => restamps != null && restamps.TryGetValue(pos, out var pts) ? pts : Unlisted;

    /// <summary>The frame index of a decoded frame's timestamp, or -1 if no packet had it.</summary>
    public long FrameOf(long timestamp)
    {
        int i = Array.BinarySearch(timestamps, timestamp);
        return i >= 0 ? i : -1;
    }

    /// <summary>The position in decode order of the packet that codes <paramref name="frame"/>.</summary>
    public int DecodePosition(long frame) => decodePositions[frame];

    /// <summary>The slot of the last keyframe at or before <paramref name="frame"/>, or -1.</summary>
    public int KeyframeSlotFor(long frame)
    {
        int i = Array.BinarySearch(keyframes, (int)Math.Min(frame, int.MaxValue));
        return i >= 0 ? i : ~i - 1;
    }

    public int KeyframeFrame(int slot) => keyframes[slot];
    public IReadOnlyList<long> SeekTargets(int slot) => seekTargets[slot];
}
