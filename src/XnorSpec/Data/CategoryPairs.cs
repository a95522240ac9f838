using static TorchSharp.torch;

namespace XnorSpec.Data;

/// <summary>A pair of real images: indices into one split, and their categories.</summary>
public readonly record struct ImagePair(int Query, int Template, int QueryCategory, int TemplateCategory)
{
    public bool SameCategory => QueryCategory == TemplateCategory;
}

/// <summary>
/// Pairs of real images from one split, drawn as the colour pairs are: same category with p = 0.5,
/// the query's category uniform, the two images always distinct; for a different pair the template's
/// category is uniform among the others. A pair is a pure function of (seed, epoch, index), so any
/// pair can be regenerated without replaying the others, and a seed gives the same pairs every time.
/// </summary>
public sealed class CategoryPairs : IPairBatches<ImagePair>
{
    /// <summary>The epoch number of the fixed held-out set: no training epoch uses it.</summary>
    public const int HeldOutEpoch = -1;

    public CategoryPairs(LabelledImages images, long seed, int pairsPerEpoch, int imageSize = 28, LabelRule labels = LabelRule.SameCategory)
    {
        if (imageSize < 1) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "imageSize must be at least 1.");
        if (!LabelRules.ForImages.Contains(labels)) throw new ArgumentException($"Label rule {labels} is for colour pairs; real-image pairs take {string.Join(", ", LabelRules.ForImages)}.", nameof(labels));
        if (pairsPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(pairsPerEpoch), pairsPerEpoch, "pairsPerEpoch must be at least 1.");
        // Same pairs need two distinct images of every category, different pairs a second category.
        int thin = images.ByCategory.ToList().FindIndex(members => members.Length < 2);
        if (images.CategoryNames.Count < 2 || thin >= 0)
            throw new ArgumentException($"The {images.Name} split needs at least two categories with two images each"
                + (thin >= 0 ? $"; category {thin} ({images.CategoryNames[thin]}) has {images.ByCategory[thin].Length}." : "."), nameof(images));
        Images = images;
        Seed = seed;
        PairsPerEpoch = pairsPerEpoch;
        ImageSize = imageSize;
        Labels = labels;
    }

    public LabelledImages Images { get; }
    public long Seed { get; }
    public int PairsPerEpoch { get; }
    public int ImageSize { get; }
    public LabelRule Labels { get; }

    private int Categories => Images.CategoryNames.Count;

    public ImagePair Pair(int epoch, int index)
    {
        ulong Draw(int slot) => SplitMix.Hash(Seed, epoch, index, slot);
        int Below(ulong draw, int n) => (int)(draw % (ulong)n); // bias at most n / 2^64

        int queryCategory = Below(Draw(0), Categories);
        int templateCategory = (Draw(1) >> 63) == 0
            ? queryCategory
            : (queryCategory + 1 + Below(Draw(2), Categories - 1)) % Categories;
        var queryMembers = Images.ByCategory[queryCategory];
        var templateMembers = Images.ByCategory[templateCategory];
        int position = Below(Draw(3), queryMembers.Length), query = queryMembers[position];
        int template;
        if (templateCategory == queryCategory)
        {
            // Any member but the query itself: draw among n - 1 and skip the query's position.
            int drawn = Below(Draw(4), queryMembers.Length - 1);
            template = queryMembers[drawn >= position ? drawn + 1 : drawn];
        }
        else template = templateMembers[Below(Draw(4), templateMembers.Length)];
        return new ImagePair(query, template, queryCategory, templateCategory);
    }

    /// <summary>The epoch's pairs in shuffled order, cut into batches (the last one may be smaller).</summary>
    public IEnumerable<IReadOnlyList<ImagePair>> Batches(int epoch, int batchSize) =>
        SplitMix.ShuffledBatches(Seed, epoch, PairsPerEpoch, batchSize, shuffleSlot: 5, index => Pair(epoch, index));

    public (Tensor Query, Tensor Template, Tensor Labels) ToTensors(IReadOnlyList<ImagePair> batch, Device device) =>
        (Images.Batch(batch.Select(p => p.Query).ToArray(), ImageSize, device),
         Images.Batch(batch.Select(p => p.Template).ToArray(), ImageSize, device),
         tensor(batch.Select(p => Labels.Label(p, Categories)).ToArray(), device: device));

    /// <summary>A fixed set of <paramref name="count"/> pairs per seed, for evaluation: build it on the test split.</summary>
    public IReadOnlyList<ImagePair> HeldOut(int count) => Enumerable.Range(0, count).Select(i => Pair(HeldOutEpoch, i)).ToArray();
}

/// <summary>SplitMix64 over coordinates: a stateless, well-mixed 64-bit hash, shared by the pair sources.</summary>
public static class SplitMix
{
    public static ulong Hash(long seed, int epoch, int index, int slot)
    {
        ulong x = Mix(unchecked((ulong)seed), (uint)epoch);
        x = Mix(x, (uint)index);
        return Mix(x, (uint)slot);
    }

    // One SplitMix64 round with `part` added: three per hash, written out since a hash is drawn for every pair and image.
    private static ulong Mix(ulong x, ulong part)
    {
        x = unchecked(x + 0x9E3779B97F4A7C15UL + part);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return x ^ (x >> 31);
    }

    /// <summary>
    /// An epoch's pair indices 0..pairs-1 in an order shuffled from (seed, epoch, slot), cut into batches (the last may be
    /// smaller); each index becomes a pair through <paramref name="pairAt"/>. The colour and real-image sources share it.
    /// </summary>
    public static IEnumerable<IReadOnlyList<T>> ShuffledBatches<T>(long seed, int epoch, int pairs, int batchSize, int shuffleSlot, Func<int, T> pairAt)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        return Cut();

        IEnumerable<IReadOnlyList<T>> Cut()
        {
            var order = Enumerable.Range(0, pairs).ToArray();
            new Random(unchecked((int)Hash(seed, epoch, -1, shuffleSlot))).Shuffle(order);
            for (int start = 0; start < order.Length; start += batchSize)
                yield return order.Skip(start).Take(batchSize).Select(pairAt).ToArray();
        }
    }
}
