using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using XnorSpec.Data;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Data;

/// <summary>
/// Real-image pairs (the checked-in Fashion-MNIST subset) are drawn as the colour pairs are: same category
/// with p = 0.5, categories uniform, two distinct images, labels by rule, pixels as the dataset has them.
/// </summary>
[Properties(Arbitrary = new[] { typeof(Generators) })]
public class Real_image_pairs(ITestOutputHelper output)
{
    private static LabelledImages Train => FashionFixture.Train;

    [Property]
    public bool Real_pairs_are_labelled_one_exactly_when_both_images_show_the_same_category(PairPosition at)
    {
        var pair = new CategoryPairs(Train, at.Seed, at.PairsPerEpoch).Pair(at.Epoch, at.Index);
        bool same = Train.Categories[pair.Query] == Train.Categories[pair.Template];
        return pair.QueryCategory == Train.Categories[pair.Query] && pair.TemplateCategory == Train.Categories[pair.Template]
            && LabelRule.SameCategory.Label(pair, 10) == (same ? 1f : 0f);
    }

    [Property]
    public bool The_two_images_of_a_pair_are_always_distinct_images(PairPosition at)
    {
        // A whole epoch per case: a same pair drawing its query twice would be one draw in 300 here.
        var pairs = new CategoryPairs(Train, at.Seed, at.PairsPerEpoch);
        return Enumerable.Range(0, at.PairsPerEpoch).Select(i => pairs.Pair(at.Epoch, i)).All(pair => pair.Query != pair.Template);
    }

    [Property]
    public bool Every_real_image_label_rule_labels_a_pair_by_its_definition(PairPosition at)
    {
        var pair = new CategoryPairs(Train, at.Seed, at.PairsPerEpoch).Pair(at.Epoch, at.Index);
        var moved = pair with { TemplateCategory = (pair.TemplateCategory + 3) % 10 }; // the control must not look at the template
        return LabelRule.QueryInFirstHalf.Label(pair, 10) == (pair.QueryCategory < 5 ? 1f : 0f)
            && LabelRule.QueryInFirstHalf.Label(moved, 10) == LabelRule.QueryInFirstHalf.Label(pair, 10)
            && LabelRule.AllZeros.Label(pair, 10) == 0f;
    }

    [Property(MaxTest = 10)]
    public void Same_and_different_pairs_are_balanced_and_query_categories_uniform_within_stated_tolerances(long seed)
    {
        // 20,000 pairs: a fraction's standard deviation is 0.0035 at p = 0.5 and 0.0021 at p = 0.1, so the
        // tolerances (0.02 and 0.012) are over 5.5 standard deviations: a correct generator fails about once in 10^7.
        const int n = 20_000;
        var pairs = new CategoryPairs(Train, seed, n).Batches(0, 1000).SelectMany(b => b).ToList();
        double same = pairs.Count(p => p.SameCategory) / (double)n;
        var queries = Enumerable.Range(0, 10).Select(c => pairs.Count(p => p.QueryCategory == c) / (double)n).ToArray();
        var templates = Enumerable.Range(0, 10).Select(c => pairs.Count(p => p.TemplateCategory == c) / (double)n).ToArray();

        same.Should().BeApproximately(0.5, 0.02);
        queries.Should().OnlyContain(f => Math.Abs(f - 0.1) <= 0.012);
        templates.Should().OnlyContain(f => Math.Abs(f - 0.1) <= 0.012);
    }

    [Property(MaxTest = 20)]
    public bool The_same_seed_gives_the_same_pairs_and_another_seed_does_not(long seed, int epoch)
    {
        var pairs = (long s) => new CategoryPairs(Train, s, 50).Batches(epoch, 10).SelectMany(b => b).ToList();
        return pairs(seed).SequenceEqual(pairs(seed)) && !pairs(seed).SequenceEqual(pairs(seed + 1));
    }

    /// <summary>
    /// Theorems 3 and 5 of src/XnorSpec/Model/README.md need a different pair's two images drawn independently.
    /// Over 20,000 pairs (about 10,000 different ones) the parities of the two images' positions in their
    /// categories fall in four cells of about 2,500 each, standard deviation 43; 250 is almost six of them.
    /// </summary>
    [Property(MaxTest = 5)]
    public void In_a_different_pair_the_templates_image_is_drawn_independently_of_the_querys(long seed)
    {
        var pairs = new CategoryPairs(Train, seed, 20_000);
        var cells = new int[4];
        foreach (var pair in Enumerable.Range(0, 20_000).Select(i => pairs.Pair(0, i)).Where(p => !p.SameCategory))
        {
            int Parity(int image, int category) => Array.IndexOf(Train.ByCategory[category], image) % 2;
            cells[2 * Parity(pair.Query, pair.QueryCategory) + Parity(pair.Template, pair.TemplateCategory)]++;
        }
        output.WriteLine("query parity x template parity: " + string.Join(" ", cells));

        double expected = cells.Sum() / 4.0;
        cells.Should().OnlyContain(n => Math.Abs(n - expected) < 250);
    }

    [Fact]
    public void The_held_out_pairs_are_not_the_pairs_of_any_training_epoch()
    {
        // The held-out set has its own coordinates: built on the same split, no training epoch draws the same pairs.
        var source = new CategoryPairs(FashionFixture.Test, seed: 1, pairsPerEpoch: 200);
        var heldOut = source.HeldOut(200);

        foreach (var epoch in Enumerable.Range(0, 20))
            Enumerable.Range(0, 200).Select(i => source.Pair(epoch, i)).Count(heldOut.Contains)
                .Should().BeLessThan(20, $"epoch {epoch} must not draw the held-out pairs");
    }

    [Fact]
    public void Held_out_pairs_are_a_fixed_set_of_test_images_and_no_test_image_is_in_any_training_pair()
    {
        // By content, not by index: a test image whose bytes also appear in the training split would leak.
        var testImages = new HashSet<string>(Enumerable.Range(0, FashionFixture.Test.Count).Select(i => Bytes(FashionFixture.Test, i)));
        var heldOut = new CategoryPairs(FashionFixture.Test, seed: 1, pairsPerEpoch: 200).HeldOut(200);
        var trainingImages = Enumerable.Range(1, 5).SelectMany(seed => Enumerable.Range(0, 3).SelectMany(epoch =>
            new CategoryPairs(Train, seed, 1000).Batches(epoch, 100).SelectMany(b => b).SelectMany(p => new[] { p.Query, p.Template })))
            .Distinct().ToList();
        output.WriteLine($"{heldOut.Count} held-out pairs; {trainingImages.Count} distinct training images in 15 epochs of 1000 pairs; {testImages.Count} test images");

        heldOut.Should().Equal(new CategoryPairs(FashionFixture.Test, seed: 1, pairsPerEpoch: 200).HeldOut(200), "the held-out set is fixed per seed");
        heldOut.Should().NotEqual(new CategoryPairs(FashionFixture.Test, seed: 2, pairsPerEpoch: 200).HeldOut(200));
        trainingImages.Select(i => Bytes(Train, i)).Where(testImages.Contains).Should().BeEmpty("no test image may be trained on");
    }

    [Property(MaxTest = 20)]
    public void Images_are_the_datasets_pixels_scaled_to_0_1_in_all_three_channels(PairPosition at)
    {
        var batch = new CategoryPairs(Train, at.Seed, at.PairsPerEpoch).Batches(at.Epoch, Math.Min(8, at.PairsPerEpoch)).First();
        using var scope = NewDisposeScope();
        var images = Train.Batch(batch.Select(p => p.Query).ToArray(), 28);

        images.shape.Should().Equal(batch.Count, 3, 28, 28);
        for (int i = 0; i < batch.Count; i++)
        {
            var expected = Train.Pixels[batch[i].Query].to(ScalarType.Float32) / 255f;
            for (int channel = 0; channel < 3; channel++)
                (images[i, channel] - expected).abs().max().item<float>().Should().Be(0f, $"image {i}, channel {channel} is pixel / 255, as ToTensor makes it");
        }
    }

    private static string Bytes(LabelledImages split, int index)
    {
        using var scope = NewDisposeScope();
        return Convert.ToBase64String(split.Pixels[index].contiguous().data<byte>().ToArray());
    }
}
