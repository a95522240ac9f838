using XnorSpec.Data;
using XnorSpec.Files;

namespace XnorSpec.Spec.Support;

/// <summary>The checked-in Fashion-MNIST subset (fixtures/fashion-mnist), loaded once per test process through the real reader.</summary>
public static class FashionFixture
{
    private static readonly Lazy<ImageSplits> Loaded = new(() => FashionMnistFiles.Open(PairData.FashionMnistSubset));

    public static ImageSplits Splits => Loaded.Value;

    public static LabelledImages Train => Loaded.Value.Train;

    public static LabelledImages Test => Loaded.Value.Test;

    public static TimeSpan LoadTime => Loaded.Value.LoadTime;
}
