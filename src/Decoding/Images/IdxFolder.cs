namespace VideoVCReg.Decoding.Images;

/// <summary>
/// An MNIST-format set: a folder holding <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
/// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c> (<see cref="IdxFile"/>), each with <c>.gz</c> or without.
/// Images come out grey (one channel). Labels index the class names given, or, without names, the label values the
/// training set holds, named by their numbers (EMNIST letters starts at 1).
/// </summary>
public static class IdxFolder
{
    public static readonly string[] FileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>The file for <paramref name="name"/>: its .gz if there is one, else the plain file; null when neither exists.</summary>
    public static string? Find(string dir, string name) =>
        File.Exists(Path.Combine(dir, name + ".gz")) ? Path.Combine(dir, name + ".gz") : File.Exists(Path.Combine(dir, name)) ? Path.Combine(dir, name) : null;

    /// <summary>A one-line complaint when the folder or one of its four files is missing; null otherwise.</summary>
    public static string? Missing(string dir) =>
        !Directory.Exists(dir) ? $"{dir}: folder not found"
        : FileNames.FirstOrDefault(n => Find(dir, n) is null) is string n ? $"{Path.Combine(dir, n)}(.gz): IDX file not found (an MNIST-format folder holds {string.Join(", ", FileNames)})"
        : null;

    public static (ImageArray Train, ImageArray Test) Read(string dir, IReadOnlyList<string>? classes = null)
    {
        if (Missing(dir) is string missing) throw new FileNotFoundException(missing);
        var (trainPx, trainRaw, rows, cols) = ReadPart(dir, "train");
        var (testPx, testRaw, testRows, testCols) = ReadPart(dir, "t10k");
        if ((testRows, testCols) != (rows, cols))
            throw new InvalidDataException($"{Find(dir, FileNames[2])}: {testRows}×{testCols} images, but the training images are {rows}×{cols}");
        // Without names, a label's class is its rank among the training set's label values.
        var values = classes is null ? trainRaw.Distinct().Order().ToArray() : [.. Enumerable.Range(0, classes.Count).Select(c => (byte)c)];
        var names = classes ?? [.. values.Select(v => $"{v}")];
        var index = new int[256];
        Array.Fill(index, -1);
        for (int c = 0; c < values.Length; c++) index[values[c]] = c;
        ImageArray Make(string part, byte[] px, byte[] raw, int labelsFile)
        {
            var labels = new int[raw.Length];
            for (int i = 0; i < raw.Length; i++)
                if ((labels[i] = index[raw[i]]) < 0)
                    throw new InvalidDataException(classes is null
                        ? $"{Find(dir, FileNames[labelsFile])}: image {i} has label {raw[i]}, which no training image has"
                        : $"{Find(dir, FileNames[labelsFile])}: image {i} has label {raw[i]}, out of range for {classes.Count} classes (0–{classes.Count - 1})");
            return new ImageArray($"{dir} ({part})", names, px, labels, Channels: 1, Height: rows, Width: cols);
        }
        return (Make("train", trainPx, trainRaw, 1), Make("test", testPx, testRaw, 3));
    }

    static (byte[] Pixels, byte[] Labels, int Rows, int Cols) ReadPart(string dir, string prefix)
    {
        string images = Find(dir, $"{prefix}-images-idx3-ubyte")!, labelsPath = Find(dir, $"{prefix}-labels-idx1-ubyte")!;
        var (px, n, rows, cols) = IdxFile.ReadImages(images);
        var labels = IdxFile.ReadLabels(labelsPath);
        if (labels.Length != n) throw new InvalidDataException($"{labelsPath}: {labels.Length} labels for the {n} images of {images}");
        return (px, labels, rows, cols);
    }
}
