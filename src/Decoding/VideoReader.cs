using System.Collections.Concurrent;
using VideoVCReg.Decoding.Native;

namespace VideoVCReg.Decoding;

/// <summary>
/// Frame-accurate, in-process video decoding through FFmpeg. Frame <c>K</c> is the K-th frame the
/// decoder outputs (what <c>ffmpeg -vf select=eq(n\,K)</c> picks). Reading frame K seeks to the last
/// keyframe at or before it and decodes forward; reading K+1 next just decodes on. Frames come out as
/// packed RGB24 (<see cref="OutputWidth"/>×<see cref="OutputHeight"/>×3 bytes) into the caller's
/// buffer, so the hot path allocates nothing. Frames are identified by the pts they carry out of the
/// decoder (see <see cref="FrameIndex"/>); every seek is checked against where it should land.
/// MPEG-4 Part 2 goes through FFmpeg's <c>mpeg4_unpack_bframes</c> filter, so DivX "packed" B-frames
/// (a P and a B VOP in one packet, then an empty placeholder) become one picture per packet.
/// Not thread-safe: one reader per thread.
/// </summary>
public sealed partial class VideoReader : IDisposable
{
    const int MaxStalls = 1000;

    readonly VideoReaderOptions options;
    readonly int stream;
    readonly FrameIndex index;
    readonly PacketHandle packet;
    readonly FrameHandle frame;
    readonly SwsContextHandle scaler;
    readonly Orientation orientation;
    readonly int scaledWidth, scaledHeight;
    readonly PacketScan scan;
    readonly RotatedPlanes? turner;
    // Formats RotatedPlanes cannot turn are scaled unturned, then turned as RGB.
    SwsContextHandle? unturnedScaler;
    byte[]? unturned;
    FormatContextHandle format;
    CodecContextHandle codec;
    BitstreamFilterHandle? filter;

    // Decoder position: `last` is the index of the frame it output last since it was positioned.
    bool positioned, draining, pending, timed, filterEnded, paletteDue;
    // Packets of the stream read since the file was opened: the tag of the decoding pass that learns the order.
    int sequence;
    long last = -1;
    Stamping stamping;
    // After a seek: the keyframe slot the first packet must not come after (-1: nothing to check).
    int landingSlot = -1;
    bool landedLate;

    enum Stamping { Container, SequenceAsTag, FromIndex }

    public string Path { get; }
    public VideoInfo Info { get; }
    public int OutputWidth { get; }
    public int OutputHeight { get; }
    public int FrameBytes => checked(OutputWidth * OutputHeight * 3);

    /// <summary>Why the file looks cut short (a header that promises more than is there), or null.</summary>
    internal string? Truncation { get; }

    /// <summary>Work counters, for tests that check random access decodes from the nearest keyframe only.</summary>
    internal long DecodedFrames { get; private set; }
    internal long Seeks { get; private set; }

    public static VideoReader Open(string path, VideoReaderOptions? options = null) => new(path, options ?? VideoReaderOptions.Default);

    VideoReader(string path, VideoReaderOptions options)
    {
        if (!File.Exists(path)) throw new FileNotFoundException(Directory.Exists(path) ? $"{path}: is a directory, not a video file" : $"{path}: no such file", path);
        // A FIFO would block FFmpeg's open until a writer came; a device (/dev/zero) looks like an empty file to .NET.
        if (Files.InputFile.Problem(path, "video") is string bad) throw new InvalidDataException(bad);
        Path = path;
        this.options = options;
        format = OpenFormat(path);
        try
        {
            stream = format.BestVideoStream();
            if (stream < 0) throw new InvalidDataException($"{path}: no video stream (audio-only, or not a video)");
            var st = format.Stream(stream);
            // Cover art of an audio file is a video stream of one still picture, not a video.
            if (st.IsAttachedPicture) throw new InvalidDataException($"{path}: no video stream (only an attached picture, such as cover art)");
            if (st.Width <= 0 || st.Height <= 0) throw new InvalidDataException($"{path}: the video stream has no decodable frame (size unknown)");
            packet = PacketHandle.Alloc();
            frame = FrameHandle.Alloc();
            scan = PacketScan.Read(format, packet, stream);
            if (scan.Frames.Count == 0) throw new InvalidDataException($"{path}: the video stream holds no frames");
            codec = CodecContextHandle.Open(st, options.Threads, path);
            if (st.CodecId == Av.CodecIdMpeg4) filter = BitstreamFilterHandle.Open("mpeg4_unpack_bframes", st, path);
            index = FrameIndex.ContainerVouches(scan, st.VideoDelay, st.CodecProperties) ? FrameIndex.FromPresentationTimes(scan.Frames)
                : FrameIndex.FromDecodeOutput(scan.Frames, LearnOutputOrder());
            if (index.Count == 0) throw new InvalidDataException($"{path}: no frame of the video stream could be decoded");
            timed = index.Timed;
            if (index.Restamps) stamping = Stamping.FromIndex;
            st = format.Stream(stream); // learning the order reopened the file: the old view is gone
            var display = Orientation.FromDisplayMatrix(st.DisplayMatrix ?? [], st.DisplayRotation, out int degrees, out var warning);
            Info = Describe(st, index, format.Duration, degrees, warning);
            Truncation = Truncated(st, scan, format);
            orientation = options.AutoRotate ? display : default;
            (scaledWidth, scaledHeight) = OutputSize(st.Width, st.Height, options.ShortSide);
            (OutputWidth, OutputHeight) = orientation.Size(scaledWidth, scaledHeight);
            // A degenerate aspect ratio (1×2,000,000 is a valid stream) would ask for terabytes after the
            // short-side resize; refuse it here, where it is one clear error and one skipped video.
            if ((long)OutputWidth * OutputHeight * 3 > MaxFrameBytes)
                throw new InvalidDataException($"{path}: output frame {OutputWidth}x{OutputHeight} (from {st.Width}x{st.Height}) exceeds the 1 GiB RGB24 limit per frame");
            // Bicubic, like the ffmpeg CLI's auto-inserted scaler; at native size swscale converts without resampling.
            scaler = new SwsContextHandle(OutputWidth, OutputHeight, Av.SwsBicubic);
            if (!orientation.IsUpright) turner = new RotatedPlanes(orientation);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    static FormatContextHandle OpenFormat(string path)
    {
        int rc = FormatContextHandle.TryOpen(path, out var ctx);
        if (rc < 0 || ctx == null) throw new InvalidDataException($"{path}: not a readable video ({AvError.Message(rc)})");
        return ctx;
    }

    static VideoInfo Describe(StreamView st, FrameIndex index, long formatDuration, int rotation, string? warning)
    {
        int frames = index.Count;
        double duration = st.Duration > 0 && st.Duration != Av.NoPts ? st.Duration * st.TimeBase
            : formatDuration > 0 && formatDuration != Av.NoPts ? formatDuration / 1e6 : 0;
        double fps = st.AvgFrameRate > 0 ? st.AvgFrameRate : st.RFrameRate > 0 ? st.RFrameRate : duration > 0 ? frames / duration : 0;
        // Headers that miscount frames misstate the duration too; the packets' own timestamps do not.
        if (index.TimestampSpan > 0 && frames > 1 && st.TimeBase > 0)
        {
            double span = index.TimestampSpan * st.TimeBase;
            duration = span + span / (frames - 1);
        }
        else if (fps > 0 && (duration <= 0 || st.NbFrames > 0 && st.NbFrames != frames)) duration = frames / fps;
        return new VideoInfo(st.Width, st.Height, frames, fps, duration, st.CodecName, rotation, Math.Max(0, st.NbFrames), warning);
    }

    /// <summary>
    /// A download or copy that stopped early often still decodes what it has; only the header shows what is missing.
    /// Its claims are held against the time the packets span, in all streams: the duration it states (MP4, Matroska,
    /// WebM, AVI) and its frame count at the stream's average rate (AVI, MP4; FFmpeg works out an AVI's duration from
    /// the chunks it finds, so there only the count tells). Counting packets instead would call intact files cut:
    /// AVI's empty drop chunks are counted by the header but skipped by the demuxer, and take up their time all the same.
    /// </summary>
    static string? Truncated(StreamView st, PacketScan scan, FormatContextHandle format)
    {
        // The stated duration is a time line from 0: MP4 states the end of the movie, a stream that starts later (an empty
        // edit) still ends there, and pre-roll that an edit list hides (negative times) is not part of it. The frame count
        // does count the pre-roll's packets, so it is held against the time all packets span.
        double timeline = scan.End, spanned = scan.End - Math.Min(scan.Start, 0);
        if (double.IsNaN(timeline)) return st.NbFrames > scan.Stored ? FramesMissing(st, scan) : null;
        double fps = st.AvgFrameRate > 0 ? st.AvgFrameRate : st.RFrameRate;
        // Three frames or a twentieth of the file, whichever is more: headers round, and streams end a frame or two apart.
        bool Short(double declared, double present) => declared - present > Math.Max(fps > 0 ? 3 / fps : 0.1, declared / 20);
        if (st.NbFrames > scan.Stored && fps > 0 && Short(st.NbFrames / fps, spanned)) return FramesMissing(st, scan);
        double stated = format.Duration / 1e6;
        if (format.DurationFromHeader && format.Duration > 0 && format.Duration != Av.NoPts && Short(stated, timeline))
            return $"truncated or damaged: the header says {stated:0.0#} s, only {timeline:0.0#} s are there";
        return null;
    }

    static string FramesMissing(StreamView st, PacketScan scan) =>
        $"truncated or damaged: the container lists {st.NbFrames} frames, only {scan.Stored} are there";

    // Learnt orders by file identity: the loader opens the same videos every epoch, and one decoding
    // pass per open would double the cost of these files. Bounded so that a huge dataset cannot grow it forever.
    static readonly ConcurrentDictionary<(string Path, long Length, DateTime Written), long[]> LearntOrders = new();
    const int MaxLearntOrders = 50_000;

    /// <summary>Drops the learnt presentation orders (benchmarks measure a first open with it).</summary>
    public static void ForgetLearntOrders() => LearntOrders.Clear();

    /// <summary>
    /// Decodes the whole stream once with every packet tagged pts = its sequence number and returns the tags in output
    /// order: which packets become pictures, in the order the decoder outputs them.
    /// </summary>
    long[] LearnOutputOrder()
    {
        var file = new FileInfo(Path);
        var key = (file.FullName, file.Length, file.LastWriteTimeUtc);
        if (LearntOrders.TryGetValue(key, out var known)) return known;
        stamping = Stamping.SequenceAsTag;
        Rewind();
        var tags = new List<long>();
        for (int stalls = 0; ;)
        {
            int rc = codec.Receive(frame);
            if (rc == 0)
            {
                stalls = 0;
                tags.Add(frame.Pts);
                frame.Unref();
                continue;
            }
            if (rc == Av.ErrorEof || (rc == Av.ErrorAgain && draining)) break;
            // Stopping here would shorten the index without a word, and `check` (which counts packets) could not see it.
            if (++stalls > MaxStalls)
                throw new InvalidDataException($"{Path}: damaged: the decoder gave no picture for {MaxStalls} packets in a row after frame {tags.Count}");
            Feed();
        }
        stamping = Stamping.Container;
        positioned = false;
        var order = tags.ToArray();
        if (LearntOrders.Count >= MaxLearntOrders) LearntOrders.Clear();
        LearntOrders[key] = order;
        return order;
    }

    /// <summary>Largest output frame in RGB24 bytes (also keeps <see cref="FrameBytes"/> and Span lengths within int).</summary>
    const long MaxFrameBytes = 1L << 30;

    static (int W, int H) OutputSize(int w, int h, int shortSide)
    {
        if (shortSide <= 0) return (w, h);
        static int Clamp(double v) => (int)Math.Min(int.MaxValue, Math.Max(1, Math.Round(v)));
        return w <= h ? (shortSide, Clamp((double)h * shortSide / w)) : (Clamp((double)w * shortSide / h), shortSide);
    }

    /// <summary>Decodes frame <paramref name="frameIndex"/> into <paramref name="rgb"/> (at least <see cref="FrameBytes"/> bytes).</summary>
    public void ReadFrame(long frameIndex, Span<byte> rgb)
    {
        ObjectDisposedException.ThrowIf(format.IsClosed, this);
        if (frameIndex < 0 || frameIndex >= Info.Frames)
            throw new ArgumentOutOfRangeException(null, $"{Path}: frame {frameIndex} is past the end (the video has {Info.Frames} frames, 0..{Info.Frames - 1})");
        if (rgb.Length < FrameBytes) throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes, {FrameBytes} needed");

        if (positioned && frameIndex > last && !KeyframeAhead(frameIndex))
        {
            if (DecodeTo(frameIndex, rgb, afterSeek: false) == Outcome.Found) return;
        }
        if (timed && SeekAndDecode(frameIndex, rgb)) return;
        Rewind();
        if (DecodeTo(frameIndex, rgb, afterSeek: false) != Outcome.Found) throw Undecodable(frameIndex);
    }

    /// <summary>
    /// Seeks to the keyframe before the target and decodes on. A demuxer may land after the keyframe
    /// (MPEG-TS seeks by dts, so a keyframe's pts lands one packet late): then the keyframe's other
    /// timestamp, then one keyframe further back are tried. False sends the caller to decode from the start.
    /// </summary>
    bool SeekAndDecode(long frameIndex, Span<byte> rgb)
    {
        for (int slot = index.KeyframeSlotFor(frameIndex), tries = 0; slot >= 0 && tries < 2; slot--, tries++)
            foreach (long timestamp in index.SeekTargets(slot))
            {
                if (!Seek(slot, timestamp)) continue;
                var outcome = DecodeTo(frameIndex, rgb, afterSeek: true);
                if (outcome == Outcome.Found) return true;
                // A frame missing after a good landing is missing for good: decoding from the start decides.
                if (outcome == Outcome.Missing) return false;
            }
        return false;
    }

    InvalidDataException Undecodable(long frameIndex) =>
        new($"{Path}: frame {frameIndex} could not be decoded (damaged stream; its index holds {Info.Frames} frames)");

    /// <summary>True when a keyframe lies between the decoder's position and the target: seeking beats decoding on.</summary>
    bool KeyframeAhead(long frameIndex)
    {
        if (!timed) return false;
        int slot = index.KeyframeSlotFor(frameIndex);
        return slot >= 0 && index.KeyframeFrame(slot) > last + 1;
    }

    enum Outcome { Found, LandedLate, Missing }

    Outcome DecodeTo(long target, Span<byte> rgb, bool afterSeek)
    {
        bool first = afterSeek;
        int stalls = 0, received = 0, identified = 0;
        while (true)
        {
            int rc = codec.Receive(frame);
            if (rc == 0)
            {
                stalls = 0;
                received++;
                DecodedFrames++;
                long id = timed ? index.FrameOf(frame.Timestamp) : last + 1;
                if (id < 0) { frame.Unref(); continue; }
                identified++;
                last = id;
                if (first)
                {
                    first = false;
                    if (id > target) { frame.Unref(); return Outcome.LandedLate; }
                }
                if (id == target)
                {
                    bool ok = Convert(rgb);
                    frame.Unref();
                    return ok ? Outcome.Found : Outcome.Missing;
                }
                frame.Unref();
                if (id > target) return Outcome.Missing;
                continue;
            }
            if (rc == Av.ErrorEof || (rc == Av.ErrorAgain && draining) || ++stalls > MaxStalls)
            {
                if (timed && received > 0 && identified == 0)
                {
                    // The decoder's timestamps do not match the packets': fall back to counting frames.
                    timed = false;
                    Rewind();
                    return DecodeTo(target, rgb, afterSeek: false);
                }
                return Outcome.Missing;
            }
            Feed();
            if (landedLate) return Outcome.LandedLate;
        }
    }

    /// <summary>The decoded frame as RGB24 at the output size, turned upright when asked.</summary>
    bool Convert(Span<byte> rgb)
    {
        if (turner is null) return scaler.TryScale(frame, rgb);
        if (RotatedPlanes.Supports(frame.Format)) return scaler.TryScale(turner.Turn(frame), rgb);
        unturnedScaler ??= new SwsContextHandle(scaledWidth, scaledHeight, Av.SwsBicubic);
        unturned ??= GC.AllocateUninitializedArray<byte>(FrameBytes);
        if (!unturnedScaler.TryScale(frame, unturned)) return false;
        FrameRotation.Orient(unturned, scaledWidth, scaledHeight, orientation, rgb);
        return true;
    }

    /// <summary>Sends the next packet of our stream, or starts draining at the end of the input.</summary>
    void Feed()
    {
        if (draining) return;
        while (true)
        {
            if (!pending)
            {
                if (!NextPacket())
                {
                    draining = true;
                    codec.Send(null);
                    return;
                }
                pending = true;
            }
            // EAGAIN: the decoder wants frames taken out first; keep the packet for the next call.
            if (codec.Send(packet) == Av.ErrorAgain) return;
            // Other errors mean a damaged packet: it is skipped, as the ffmpeg CLI does.
            pending = false;
            packet.Unref();
            return;
        }
    }

    /// <summary>Fills <see cref="packet"/> with the next packet for the decoder: demuxed, stamped, unpacked.</summary>
    bool NextPacket()
    {
        while (true)
        {
            if (filter != null)
            {
                int rc = filter.Receive(packet);
                if (rc == 0) return true;
                if (rc == Av.ErrorEof || (rc == Av.ErrorAgain && filterEnded)) return false;
                // Any other error dropped a damaged packet; EAGAIN wants more input.
            }
            // Like the ffmpeg CLI, any read error ends the input (damaged tails are common).
            if (format.ReadPacket(packet) < 0)
            {
                if (filter == null || filterEnded) return false;
                filter.Send(null);
                filterEnded = true;
                continue;
            }
            if (packet.StreamIndex != stream) { packet.Unref(); continue; }
            // A demuxer attaches the palette only to the first packet it reads after opening; after a seek
            // the decoder would paint with an empty (black) one.
            if (paletteDue)
            {
                paletteDue = false;
                if (packet.Palette() is null && scan.PaletteAt(packet.Pos) is { } palette) packet.AttachPalette(palette);
            }
            // Stamped before the filter, so a picture the filter moves to another packet keeps its own pts.
            if (stamping == Stamping.SequenceAsTag) packet.Pts = sequence;
            else if (stamping == Stamping.FromIndex) packet.Pts = index.RestampedPts(packet.Pos);
            sequence++;
            if (landingSlot >= 0) CheckLanding();
            if (filter == null) return true;
            if (filter.Send(packet) < 0) packet.Unref();
        }
    }

    /// <summary>The first listed packet after a seek must not come after the keyframe in decode order.</summary>
    void CheckLanding()
    {
        long id = index.FrameOf(packet.Pts);
        if (id < 0) return;
        landedLate = index.DecodePosition(id) > index.DecodePosition(index.KeyframeFrame(landingSlot));
        landingSlot = -1;
    }

    bool Seek(int slot, long timestamp)
    {
        Seeks++;
        if (format.SeekBackward(stream, timestamp) < 0) return false;
        ResetDecoder();
        codec.Flush();
        landingSlot = slot;
        return true;
    }

    /// <summary>Reopens the file and decoder at frame 0: the fallback when seeking is impossible or untrustworthy.</summary>
    void Rewind()
    {
        // Open the replacements first: if that fails the reader keeps its old, consistent state (a half
        // torn-down reader would hand a freed decoder to FFmpeg on the next read).
        var newFormat = OpenFormat(Path);
        CodecContextHandle newCodec;
        try { newCodec = CodecContextHandle.Open(newFormat.Stream(stream), options.Threads, Path); }
        catch { newFormat.Dispose(); throw; }
        codec.Dispose();
        format.Dispose();
        (format, codec) = (newFormat, newCodec);
        sequence = 0;
        ResetDecoder();
    }

    void ResetDecoder()
    {
        if (pending) packet.Unref();
        pending = draining = landedLate = filterEnded = false;
        landingSlot = -1;
        filter?.Flush();
        paletteDue = true;
        positioned = true;
        last = -1;
    }

    public void Dispose()
    {
        codec?.Dispose();
        filter?.Dispose();
        format?.Dispose();
        scaler?.Dispose();
        unturnedScaler?.Dispose();
        turner?.Dispose();
        frame?.Dispose();
        packet?.Dispose();
    }
}
