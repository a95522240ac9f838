using XnorSpec.Data;
using XnorSpec.Files;

namespace XnorSpec.Spec.Support;

/// <summary>The checked-in Fashion-MNIST subset (fixtures/fashion-mnist), loaded once per test process through the real reader.</summary>
public static class FashionFixture
{
    private static readonly Lazy<(LabelledImages Train, LabelledImages Test, TimeSpan Took)> Loaded =
        new(() => FashionMnistFiles.Load(FashionMnistFiles.FixtureFolder));

    public static LabelledImages Train => Loaded.Value.Train;

    public static LabelledImages Test => Loaded.Value.Test;

    public static TimeSpan LoadTime => Loaded.Value.Took;
}
