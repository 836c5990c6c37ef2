using VideoVCReg.Decoding.Native;

namespace VideoVCReg.Decoding;

/// <summary>
/// Where each frame is. Frame <c>K</c> is the K-th frame the decoder outputs, which is what <c>select=eq(n\,K)</c>
/// picks in the ffmpeg CLI, so the index lists the decoder's output, never the container's packets as such. It is
/// learnt by one decoding pass in which every packet carries its sequence number as pts: the tags that come out, in
/// order, say which packets became pictures and in what order (<see cref="FromDecodeOutput"/>). That pass is skipped
/// only where the container already vouches for the answer (<see cref="ContainerVouches"/>); otherwise B-frames with
/// decode-order timestamps, hidden alt-ref packets, a start before the first keyframe or pre-roll cut by an edit list
/// would each shift every later frame. The reader identifies each decoded frame by the pts it carries out of the
/// decoder: the container's pts where those are in output order, else a pts the reader writes into each packet,
/// looked up by the packet's byte offset, which unlike a demuxer's inferred timestamps is the same after any seek
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

    /// <summary>
    /// True when the packets alone tell what the decoder will output, so no decoding pass is needed: the stream starts
    /// at a keyframe (else the decoder drops or invents what precedes it) that nothing is shown before (leading pictures
    /// of an open GOP, such as HEVC's RASL after a CRA, are dropped or shown as the decoder decides); every packet has its own pts, and those
    /// are presentation times: the decoder reorders nothing (<c>video_delay</c> 0) or the pts run out of decode order
    /// somewhere (a muxer that wrote decode times as pts leaves them ascending); and every packet is one picture.
    /// FFmpeg's codec descriptor vouches for the last: intra-only codecs code one picture per packet, and codecs
    /// with reordering (the MPEG family) use B-frames where VP8, VP9 and AV1 use alt-ref pictures that are decoded
    /// but never shown, often in packets of their own.
    /// </summary>
    internal static bool ContainerVouches(PacketScan scan, int videoDelay, int codecProperties)
    {
        var packets = scan.Frames;
        bool onePicturePerPacket = (codecProperties & (Av.CodecPropIntraOnly | Av.CodecPropReorder)) != 0;
        return scan.StartsAtKeyframe && onePicturePerPacket && HasPresentationTimes(packets) && packets.All(p => p.Pts >= scan.FirstPts)
            && (videoDelay == 0 || packets.Zip(packets.Skip(1)).Any(p => p.Second.Pts < p.First.Pts));
    }

    /// <summary>True when every packet has its own pts: the container's presentation order can be trusted.</summary>
    internal static bool HasPresentationTimes(IReadOnlyList<PacketEntry> packets) =>
        packets.All(p => p.Pts != Av.NoPts) && packets.Select(p => p.Pts).Distinct().Count() == packets.Count;

    /// <summary>True when byte offsets tell packets apart: a decoding pass can then learn the order.</summary>
    internal static bool HasPositions(IReadOnlyList<PacketEntry> packets) =>
        packets.Count > 0 && packets.All(p => p.Pos >= 0) && packets.Select(p => p.Pos).Distinct().Count() == packets.Count;

    /// <summary>The index from the container's presentation times (<see cref="ContainerVouches"/> must hold).</summary>
    internal static FrameIndex FromPresentationTimes(IReadOnlyList<PacketEntry> packets)
    {
        var order = Enumerable.Range(0, packets.Count).OrderBy(i => packets[i].Pts).ToArray();
        return Build(order.Select(i => packets[i].Pts).ToArray(), order, packets, ContainerSeekTargets, restamps: null, timesAreReal: true);
    }

    // Seeks try the keyframe's presentation time first: MP4 and Matroska index keyframes by it, and
    // its decode time would land a whole GOP early there. MPEG-TS seeks by decode time, where the
    // presentation time lands after the keyframe; the landing check then retries with the dts.
    static long[] ContainerSeekTargets(PacketEntry p) => p.Dts != Av.NoPts && p.Dts != p.Pts ? [p.Pts, p.Dts] : [p.Pts];

    /// <summary>
    /// The index from a full decode: <paramref name="outputTags"/> holds, per output frame, the <see cref="PacketEntry.Seq"/>
    /// of the packet that coded it (the reader tags packets with pts = Seq for that pass). Packets that output nothing
    /// (hidden pictures, pictures before the first keyframe, pre-roll) are left out.
    /// </summary>
    internal static FrameIndex FromDecodeOutput(IReadOnlyList<PacketEntry> packets, IReadOnlyList<long> outputTags)
    {
        var position = new Dictionary<long, int>(packets.Count);
        for (int i = 0; i < packets.Count; i++) position[packets[i].Seq] = i;
        // A tag seen twice or never sent means the decoder did not keep one picture per packet: count instead.
        if (outputTags.Any(t => !position.ContainsKey(t)) || outputTags.Distinct().Count() != outputTags.Count)
            return Untimed(outputTags.Count);
        int[] order = [.. outputTags.Select(t => position[t])];
        var frames = order.Select(i => packets[i]).ToList();
        // The container's own pts identify frames when they ascend in output order: nothing to rewrite.
        if (frames.All(p => p.Pts != Av.NoPts) && frames.Zip(frames.Skip(1)).All(p => p.Second.Pts > p.First.Pts))
            return Build([.. frames.Select(p => p.Pts)], order, packets, ContainerSeekTargets, restamps: null, timesAreReal: true);
        if (!HasPositions(packets)) return Untimed(outputTags.Count);
        // The times a remuxer would write: the decode times in presentation order; frame numbers when those are unusable.
        var dts = frames.Select(p => p.Dts).Order().ToArray();
        bool real = dts.All(t => t != Av.NoPts) && dts.Distinct().Count() == dts.Length;
        var times = real ? dts : [.. Enumerable.Range(0, frames.Count).Select(k => (long)k)];
        var restamps = new Dictionary<long, long>(frames.Count);
        for (int k = 0; k < frames.Count; k++) restamps[frames[k].Pos] = times[k];
        // These demuxers seek by decode time (AVI's index, MPEG-PS's scan); a landing past the keyframe is caught.
        return Build(times, order, packets, p => p.Dts != Av.NoPts ? [p.Dts] : p.Pts != Av.NoPts ? [p.Pts] : [], restamps, real);
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
