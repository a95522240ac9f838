using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Data;

/// <summary>
/// The question's BlackOrWhiteDataset: each epoch, <see cref="PairsPerEpoch"/> pairs whose two colours
/// are drawn independently with p = 0.5, served in shuffled batches. A pair's colours are a pure
/// function of (seed, epoch, index), so any pair can be regenerated without replaying the others.
/// </summary>
public sealed class PairDataset : IPairBatches<ColourPair>
{
    public PairDataset(long seed, int pairsPerEpoch = 100, int imageSize = 128, LabelRule labels = LabelRule.SameColour)
    {
        if (pairsPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(pairsPerEpoch), pairsPerEpoch, "pairsPerEpoch must be at least 1.");
        if (imageSize < 1) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "imageSize must be at least 1.");
        Seed = seed;
        PairsPerEpoch = pairsPerEpoch;
        ImageSize = imageSize;
        Labels = labels;
    }

    public long Seed { get; }
    public int PairsPerEpoch { get; }
    public int ImageSize { get; }
    public LabelRule Labels { get; }

    public ColourPair Pair(int epoch, int index) =>
        new(ColourAt(epoch, index, slot: 0), ColourAt(epoch, index, slot: 1));

    public float Label(int epoch, int index) => Labels.Label(Pair(epoch, index));

    /// <summary>The epoch's pairs in shuffled order, cut into batches (the last one may be smaller).</summary>
    public IEnumerable<IReadOnlyList<ColourPair>> Batches(int epoch, int batchSize) =>
        SplitMix.ShuffledBatches(Seed, epoch, PairsPerEpoch, batchSize, shuffleSlot: 2, index => Pair(epoch, index));

    /// <summary>Query images, template images [B, 3, S, S] and labels [B] for a batch, on <paramref name="device"/>.</summary>
    public (Tensor Query, Tensor Template, Tensor Labels) ToTensors(IReadOnlyList<ColourPair> batch, Device device)
    {
        var query = SolidImages.Batch(batch.Select(p => p.Query).ToArray(), ImageSize, device);
        var template = SolidImages.Batch(batch.Select(p => p.Template).ToArray(), ImageSize, device);
        var labels = tensor(batch.Select(p => Labels.Label(p)).ToArray(), device: device);
        return (query, template, labels);
    }

    private Colour ColourAt(int epoch, int index, int slot) =>
        (SplitMix.Hash(Seed, epoch, index, slot) >> 63) == 0 ? Colour.Black : Colour.White;
}

public static class SolidImages
{
    /// <summary>One solid image [3, size, size] filled with the colour's pixel value.</summary>
    public static Tensor Image(Colour colour, int size, Device? device = null) =>
        full(new long[] { 3, size, size }, colour.PixelValue(), dtype: ScalarType.Float32, device: device);

    /// <summary>A batch of solid images [B, 3, size, size].</summary>
    public static Tensor Batch(IReadOnlyList<Colour> colours, int size, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var values = tensor(colours.Select(c => c.PixelValue()).ToArray(), device: device);
        return values.view(-1, 1, 1, 1).expand(colours.Count, 3, size, size).contiguous().MoveToOuterDisposeScope();
    }
}
