namespace VideoVCReg.Decoding;

/// <summary>
/// Metadata of a video stream. <see cref="Frames"/> is counted from the packets, so it is right
/// even when the container's own count (<see cref="ContainerFrames"/>, 0 when absent) is not.
/// <see cref="Rotation"/> is the clockwise display rotation in degrees (from the display matrix, rounded to a multiple
/// of 90); the reader applies it, and any mirroring the matrix asks for, unless <see cref="VideoReaderOptions.AutoRotate"/>
/// is off. Width and height are the coded, unrotated size. <see cref="Warning"/> names anything the reader
/// did differently from the ffmpeg CLI (a display matrix off a multiple of 90°), or is null.
/// </summary>
public sealed record VideoInfo(int Width, int Height, int Frames, double Fps, double Duration, string Codec,
    int Rotation, long ContainerFrames, string? Warning = null);
