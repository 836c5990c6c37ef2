using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>A reusable AVPacket; <see cref="Unref"/> after each read, freed with av_packet_free.</summary>
internal sealed class PacketHandle : SafeHandle
{
    PacketHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal static PacketHandle Alloc()
    {
        FfmpegRuntime.EnsureLoaded();
        var h = new PacketHandle();
        h.SetHandle(LibAvCodec.av_packet_alloc());
        if (h.IsInvalid) throw new OutOfMemoryException("av_packet_alloc failed");
        return h;
    }

    public override bool IsInvalid => handle == IntPtr.Zero;
    internal IntPtr Pointer => handle;

    internal long Pts
    {
        get => Mem.I64(handle, Layout.PacketPts);
        set => Mem.SetI64(handle, Layout.PacketPts, value);
    }
    internal long Dts => Mem.I64(handle, Layout.PacketDts);
    internal int Size => Mem.I32(handle, Layout.PacketSize);
    internal int StreamIndex => Mem.I32(handle, Layout.PacketStreamIndex);
    internal int Flags => Mem.I32(handle, Layout.PacketFlags);
    /// <summary>Byte offset of the packet in the file, -1 when unknown.</summary>
    internal long Pos => Mem.I64(handle, Layout.PacketPos);
    internal long Duration => Mem.I64(handle, Layout.PacketDuration);

    /// <summary>A copy of the palette this packet carries (AV_PKT_DATA_PALETTE), or null.</summary>
    internal byte[]? Palette()
    {
        var data = LibAvCodec.av_packet_get_side_data(handle, Av.PacketDataPalette, out var size);
        if (data == IntPtr.Zero || size < Av.PaletteSize) return null;
        var palette = new byte[Av.PaletteSize];
        System.Runtime.InteropServices.Marshal.Copy(data, palette, 0, palette.Length);
        return palette;
    }

    internal void AttachPalette(byte[] palette)
    {
        var data = LibAvCodec.av_packet_new_side_data(handle, Av.PacketDataPalette, (nuint)palette.Length);
        if (data == IntPtr.Zero) throw new OutOfMemoryException("av_packet_new_side_data failed");
        System.Runtime.InteropServices.Marshal.Copy(palette, 0, data, palette.Length);
    }

    internal void Unref() => LibAvCodec.av_packet_unref(handle);

    protected override bool ReleaseHandle()
    {
        LibAvCodec.av_packet_free(ref handle);
        return true;
    }
}
