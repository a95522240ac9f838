using static TorchSharp.torch;

namespace XnorSpec.Data;

/// <summary>The data an experiment trains on.</summary>
public enum PairData
{
    /// <summary>The question's solid black and white images (<see cref="PairDataset"/>).</summary>
    Colours,

    /// <summary>
    /// The whole Fashion-MNIST dataset (60,000 training and 10,000 test images), paired by category
    /// (<see cref="CategoryPairs"/>) and scored on held-out test-split pairs; found by
    /// FashionMnistFiles.Locate (a folder given, XNORSPEC_FASHION_MNIST or the Debian package).
    /// </summary>
    FashionMnist,

    /// <summary>The checked-in Fashion-MNIST subset (fixtures/fashion-mnist), used the same way: needs nothing installed.</summary>
    FashionMnistSubset,
}

/// <summary>
/// An epoch's training pairs, batch by batch, as tensors: solid colours (<see cref="PairDataset"/>) or real
/// images (<see cref="CategoryPairs"/>). The trainer's loop takes any; the pair sources choose which.
/// </summary>
public interface IPairBatches<TPair>
{
    int PairsPerEpoch { get; }

    /// <summary>The epoch's pairs in shuffled order, cut into batches (the last one may be smaller).</summary>
    IEnumerable<IReadOnlyList<TPair>> Batches(int epoch, int batchSize);

    /// <summary>Query images, template images [B, 3, S, S] and labels [B] for a batch, on <paramref name="device"/>.</summary>
    (Tensor Query, Tensor Template, Tensor Labels) ToTensors(IReadOnlyList<TPair> batch, Device device);
}
