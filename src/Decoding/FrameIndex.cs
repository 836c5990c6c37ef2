using VideoVCReg.Decoding.Native;

namespace VideoVCReg.Decoding;

/// <summary>
/// What one pass over the packets (no decoding) tells us: how many frames the stream holds and,
/// for each frame index in presentation order, its timestamp and nearest preceding keyframe.
/// Frame <c>K</c> is the K-th frame the decoder outputs, which is what <c>select=eq(n\,K)</c> picks
/// in the ffmpeg CLI: decoders output in presentation order, so it is the packet with the K-th
/// smallest timestamp. When timestamps are missing or repeat (broken muxers), <see cref="Timed"/> is
/// false and frames are found by counting from the start instead.
/// </summary>
internal sealed class FrameIndex
{
    readonly long[] timestamps;   // presentation order
    readonly int[] keyframes;     // frame indices of keyframes, ascending
    readonly long[] seekTargets;  // per keyframe: the timestamp to hand to av_seek_frame

    public int Count => timestamps.Length;

    /// <summary>Last minus first presentation timestamp (stream time base); 0 when untimed.</summary>
    public long TimestampSpan => Timed && Count > 0 ? timestamps[^1] - timestamps[0] : 0;
    public bool Timed { get; }

    FrameIndex(long[] timestamps, int[] keyframes, long[] seekTargets, bool timed)
        => (this.timestamps, this.keyframes, this.seekTargets, Timed) = (timestamps, keyframes, seekTargets, timed);

    /// <summary>Reads every packet of <paramref name="stream"/> once; leaves the demuxer at the end.</summary>
    internal static FrameIndex Scan(FormatContextHandle format, PacketHandle packet, int stream)
    {
        // Seeks use the keyframe's presentation time: MP4 and Matroska index keyframes by it, and
        // its decode time (earlier when B-frames follow) would land a whole GOP too early.
        var packets = new List<(long Key, long Seek, bool IsKey)>();
        bool timed = true;
        while (format.ReadPacket(packet) >= 0)
        {
            // Empty packets (AVI drop markers) and packets cut by an edit list never become output frames.
            if (packet.StreamIndex == stream && packet.Size > 0 && (packet.Flags & Av.PacketFlagDiscard) == 0)
            {
                long key = packet.Pts != Av.NoPts ? packet.Pts : packet.Dts;
                if (key == Av.NoPts) timed = false;
                packets.Add((key, key, (packet.Flags & Av.PacketFlagKey) != 0));
            }
            packet.Unref();
        }
        var stamps = packets.Select(p => p.Key).ToArray();
        Array.Sort(stamps);
        for (int i = 1; i < stamps.Length && timed; i++) if (stamps[i] == stamps[i - 1]) timed = false;
        if (!timed) return new FrameIndex(stamps, [], [], false);

        var keys = packets.Where(p => p.IsKey)
            .Select(p => (Frame: Array.BinarySearch(stamps, p.Key), p.Seek))
            .OrderBy(k => k.Frame).ToArray();
        return new FrameIndex(stamps, keys.Select(k => k.Frame).ToArray(), keys.Select(k => k.Seek).ToArray(), true);
    }

    /// <summary>The frame index of a decoded frame's timestamp, or -1 if no packet had it.</summary>
    public long FrameOf(long timestamp)
    {
        int i = Array.BinarySearch(timestamps, timestamp);
        return i >= 0 ? i : -1;
    }

    /// <summary>The slot of the last keyframe at or before <paramref name="frame"/>, or -1.</summary>
    public int KeyframeSlotFor(long frame)
    {
        int i = Array.BinarySearch(keyframes, (int)Math.Min(frame, int.MaxValue));
        return i >= 0 ? i : ~i - 1;
    }

    public int KeyframeFrame(int slot) => keyframes[slot];
    public long SeekTarget(int slot) => seekTargets[slot];
}
