using static TorchSharp.torch;

namespace XnorSpec.Data;

/// <summary>
/// One split of a labelled greyscale image set (Fashion-MNIST's training or test split): every image
/// in one uint8 tensor [N, H, W] and every category in one array, never one object per image.
/// Batches come out as the encoders take them: float32 [B, 3, S, S] in [0, 1], the grey value in all
/// three channels (torchvision's Grayscale(3) after ToTensor), resized only when S differs from H.
/// </summary>
public sealed class LabelledImages : IDisposable
{
    public LabelledImages(string name, Tensor pixels, byte[] categories, IReadOnlyList<string> categoryNames)
    {
        if (pixels.dim() != 3 || pixels.dtype != ScalarType.Byte || pixels.shape[1] != pixels.shape[2])
            throw new ArgumentException($"pixels must be uint8 [N, H, H]; got {pixels.dtype} [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        if (pixels.shape[0] != categories.Length)
            throw new ArgumentException($"{pixels.shape[0]} images but {categories.Length} categories.", nameof(categories));
        Name = name;
        Pixels = pixels.DetachFromDisposeScope();
        Categories = categories;
        CategoryNames = categoryNames;
        ByCategory = Enumerable.Range(0, categoryNames.Count)
            .Select(c => Enumerable.Range(0, categories.Length).Where(i => categories[i] == c).ToArray())
            .ToArray();
    }

    public string Name { get; }

    /// <summary>Every image, uint8 [N, H, W], on the CPU; owned by this object.</summary>
    public Tensor Pixels { get; }

    public byte[] Categories { get; }

    public IReadOnlyList<string> CategoryNames { get; }

    /// <summary>The indices of each category's images, in file order.</summary>
    public IReadOnlyList<int[]> ByCategory { get; }

    public int Count => Categories.Length;

    public int ImageSize => (int)Pixels.shape[1];

    /// <summary>The most memory the images converted to float32 at one size may take to be kept (<see cref="KeepsConverted"/>).</summary>
    public const long ConvertedAtMostBytes = 512L << 20;

    private readonly object converting = new();
    private Tensor? converted; // float32 [N, 1, S, S] at convertedSize, the grey channel of every image
    private int convertedSize;

    /// <summary>
    /// Whether batches at <paramref name="size"/> are picked from the images converted once (float32 [N, 1, S, S],
    /// at most <see cref="ConvertedAtMostBytes"/>: the whole Fashion-MNIST training split at 28x28 is 188 MB) rather
    /// than converted batch by batch; either way a batch holds the same values.
    /// </summary>
    public bool KeepsConverted(int size) => 4L * Count * size * size <= ConvertedAtMostBytes;

    /// <summary>Images <paramref name="indices"/> as float32 [B, 3, size, size] in [0, 1] on <paramref name="device"/>: what <see cref="ModelInput"/> makes of their pixels.</summary>
    public Tensor Batch(IReadOnlyList<int> indices, int size, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var index = tensor(indices.Select(i => (long)i).ToArray());
        if (!KeepsConverted(size)) return ModelInput(Pixels.index_select(0, index), size, device).MoveToOuterDisposeScope();
        return PickConverted(index, size).expand(-1, 3, -1, -1).contiguous().to(device ?? CPU).MoveToOuterDisposeScope();
    }

    // A training step picks its images from the conversion of the whole split, made the first time one is asked for.
    // Picked under the lock: another thread asking for another size replaces (and frees) the conversion.
    private Tensor PickConverted(Tensor index, int size)
    {
        lock (converting)
        {
            if (converted is null || convertedSize != size)
            {
                converted?.Dispose();
                using var scope = NewDisposeScope();
                converted = Grey(Pixels, size).DetachFromDisposeScope();
                convertedSize = size;
            }
            return converted.index_select(0, index);
        }
    }

    /// <summary>
    /// Grey pixels, uint8 [B, H, H], as the encoders take them: float32 [B, 3, size, size] in [0, 1], bilinearly
    /// resized (align_corners false) only when size differs from H. The one conversion both the dataset's batches
    /// and `predict`'s image files go through, so a file of an image's pixels gives that image's tensor exactly.
    /// </summary>
    public static Tensor ModelInput(Tensor pixels, int size, Device? device = null)
    {
        if (pixels.dim() != 3 || pixels.dtype != ScalarType.Byte || pixels.shape[1] != pixels.shape[2])
            throw new ArgumentException($"pixels must be uint8 [B, H, H]; got {pixels.dtype} [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        using var scope = NewDisposeScope();
        return Grey(pixels, size).expand(-1, 3, -1, -1).contiguous().to(device ?? CPU).MoveToOuterDisposeScope();
    }

    // float32 [B, 1, size, size] in [0, 1]: each image on its own, so converting a whole split once gives each image's values exactly.
    private static Tensor Grey(Tensor pixels, int size)
    {
        var images = pixels.to(ScalarType.Float32).div_(255f).unsqueeze(1);
        return size == pixels.shape[^1] ? images
            : nn.functional.interpolate(images, new long[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false);
    }

    public void Dispose()
    {
        converted?.Dispose();
        Pixels.Dispose();
    }
}
