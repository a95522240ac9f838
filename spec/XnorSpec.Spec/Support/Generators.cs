using FsCheck;
using FsCheck.Fluent;
using XnorSpec.Data;

namespace XnorSpec.Spec.Support;

/// <summary>A place in a generated data stream: which dataset seed, epoch and pair index.</summary>
public sealed record PairPosition(long Seed, int Epoch, int Index, int PairsPerEpoch);

/// <summary>Domain generators, named by what they generate.</summary>
public static class Generators
{
    public static Arbitrary<PairPosition> PairPositions() =>
        (from seed in ArbMap.Default.GeneratorFor<long>()
         from pairs in Gen.Choose(1, 300)
         from epoch in Gen.Choose(0, 1000)
         from index in Gen.Choose(0, pairs - 1)
         select new PairPosition(seed, epoch, index, pairs)).ToArbitrary();

    public static Arbitrary<LabelRule> LabelRules() => Gen.Elements(Enum.GetValues<LabelRule>()).ToArbitrary();

    public static Arbitrary<Colour> Colours() => Gen.Elements(Colour.Black, Colour.White).ToArbitrary();
}
