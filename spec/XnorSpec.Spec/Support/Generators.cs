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

    public static Arbitrary<LabelRule> LabelRules() => Gen.Elements(XnorSpec.Data.LabelRules.ForColours.ToArray()).ToArbitrary();

    public static Arbitrary<Colour> Colours() => Gen.Elements(Colour.Black, Colour.White).ToArbitrary();
}

/// <summary>
/// A test image described by how to make it, so FsCheck prints something readable when a property
/// fails: a solid colour (black, white or any RGB) or uniform noise from a seed.
/// </summary>
public sealed record ImageRecipe(string Kind, float R, float G, float B, long NoiseSeed)
{
    public TorchSharp.torch.Tensor Make(int size)
    {
        if (Kind == "noise")
        {
            var generator = new TorchSharp.torch.Generator((ulong)NoiseSeed);
            return TorchSharp.torch.rand(new long[] { 3, size, size }, generator: generator);
        }
        return TorchSharp.torch.tensor(new[] { R, G, B }).view(3, 1, 1).expand(3, size, size).contiguous();
    }

    public override string ToString() => Kind == "noise" ? $"noise({NoiseSeed})" : $"{Kind}({R:F2},{G:F2},{B:F2})";
}

/// <summary>Four images a, b, c, d for the interaction contrast z(a,c) + z(b,d) - z(a,d) - z(b,c).</summary>
public sealed record FourImages(ImageRecipe A, ImageRecipe B, ImageRecipe C, ImageRecipe D);

/// <summary>Starting values for the four logits z(q, t) = a_q + b_t (q, t in {black, white}), kept to [-6, 6].</summary>
public sealed record SeparableStart(float ABlack, float AWhite, float BBlack, float BWhite);

/// <summary>K categories and separable starting logits a_q (query category q) and b_t (template category t).</summary>
public sealed record CategoryLogits(int Categories, double[] A, double[] B)
{
    public override string ToString() => $"K = {Categories}, a = [{string.Join(", ", A.Select(x => x.ToString("F3")))}], b = [{string.Join(", ", B.Select(x => x.ToString("F3")))}]";
}

public static class TheoryGenerators
{
    private static Gen<float> Unit => Gen.Choose(0, 1000).Select(i => i / 1000f);

    public static Gen<ImageRecipe> Images =>
        Gen.OneOf(
            Gen.Constant(new ImageRecipe("black", 0, 0, 0, 0)),
            Gen.Constant(new ImageRecipe("white", 1, 1, 1, 0)),
            from r in Unit from g in Unit from b in Unit select new ImageRecipe("solid", r, g, b, 0),
            from seed in Gen.Choose(0, int.MaxValue) select new ImageRecipe("noise", 0, 0, 0, seed));

    public static Arbitrary<FourImages> FourImages() =>
        (from a in Images from b in Images from c in Images from d in Images select new FourImages(a, b, c, d)).ToArbitrary();

    public static Arbitrary<SeparableStart> SeparableStarts()
    {
        var value = Gen.Choose(-6000, 6000).Select(i => i / 1000f);
        return (from a in value from b in value from c in value from d in value select new SeparableStart(a, b, c, d)).ToArbitrary();
    }

    public static Arbitrary<CategoryLogits> CategoryLogits()
    {
        var value = Gen.Choose(-6000, 6000).Select(i => i / 1000.0);
        return (from k in Gen.Choose(2, 12)
                from a in Gen.ArrayOf(value, k)
                from b in Gen.ArrayOf(value, k)
                select new CategoryLogits(k, a, b)).ToArbitrary();
    }
}
