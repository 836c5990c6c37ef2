using VideoVCReg.Decoding.Native;

namespace VideoVCReg.Decoding;

/// <summary>One demuxed packet of the video stream; <see cref="Seq"/> counts every packet of the stream in decode order, <see cref="Pos"/> is its byte offset.</summary>
internal readonly record struct PacketEntry(long Pts, long Dts, long Pos, bool IsKey, int Seq);

/// <summary>
/// What one pass over the demuxed packets tells before anything is decoded: the packets that may carry a picture,
/// how many the stream stores, whether it starts at a keyframe, the time the file's packets span, and the palettes
/// that ride on packets (AV_PKT_DATA_PALETTE: a demuxer attaches one only to the first packet it reads after opening).
/// </summary>
internal sealed class PacketScan
{
    /// <summary>Packets that can become frames: not empty (AVI drop chunks) and not cut by an edit list.</summary>
    public List<PacketEntry> Frames { get; } = [];
    /// <summary>Every packet of the stream, empty and cut ones too: what a frame count in the header counts.</summary>
    public int Stored { get; private set; }
    /// <summary>The first packet the decoder gets is a keyframe; a file cut mid-GOP does not start at one.</summary>
    public bool StartsAtKeyframe { get; private set; }
    /// <summary>The pts of that first packet (AV_NOPTS_VALUE when it has none).</summary>
    public long FirstPts { get; private set; } = Av.NoPts;
    /// <summary>First start and last end, in seconds, over the packets of all streams; NaN when no packet is timed.</summary>
    public double Start { get; private set; } = double.NaN;
    public double End { get; private set; } = double.NaN;
    /// <summary>Palettes by the byte offset of the packet that brought them, in file order.</summary>
    public List<(long Pos, byte[] Palette)> Palettes { get; } = [];

    /// <summary>Reads every packet once; leaves the demuxer at the end.</summary>
    internal static PacketScan Read(FormatContextHandle format, PacketHandle packet, int stream)
    {
        var scan = new PacketScan();
        int streams = format.StreamCount;
        var timeBases = Enumerable.Range(0, streams).Select(i => format.Stream(i).TimeBase).ToArray();
        while (format.ReadPacket(packet) >= 0)
        {
            int index = packet.StreamIndex;
            if ((uint)index < (uint)streams) scan.Span(packet, timeBases[index]);
            if (index == stream)
            {
                bool key = (packet.Flags & Av.PacketFlagKey) != 0;
                if (scan.Stored == 0) (scan.StartsAtKeyframe, scan.FirstPts) = (key, packet.Pts);
                // Empty packets (AVI drop markers) and packets cut by an edit list never become output frames.
                if (packet.Size > 0 && (packet.Flags & Av.PacketFlagDiscard) == 0)
                    scan.Frames.Add(new(packet.Pts, packet.Dts, packet.Pos, key, scan.Stored));
                if (packet.Palette() is { } palette) scan.Palettes.Add((packet.Pos, palette));
                scan.Stored++;
            }
            packet.Unref();
        }
        return scan;
    }

    void Span(PacketHandle packet, double timeBase)
    {
        long t = packet.Pts != Av.NoPts ? packet.Pts : packet.Dts;
        if (t == Av.NoPts || timeBase <= 0) return;
        double start = t * timeBase, end = (t + Math.Max(0, packet.Duration)) * timeBase;
        if (double.IsNaN(Start) || start < Start) Start = start;
        if (double.IsNaN(End) || end > End) End = end;
    }

    /// <summary>The palette in effect at the packet at byte offset <paramref name="pos"/> (the first one when that is unknown), or null.</summary>
    public byte[]? PaletteAt(long pos)
    {
        if (Palettes.Count == 0) return null;
        var inEffect = Palettes[0].Palette;
        if (pos >= 0)
            foreach (var (at, palette) in Palettes)
                if (at <= pos) inEffect = palette;
        return inEffect;
    }
}
