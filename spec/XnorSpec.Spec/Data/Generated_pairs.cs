using FluentAssertions;
using FsCheck;
using FsCheck.Xunit;
using XnorSpec.Data;
using XnorSpec.Spec.Support;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Data;

/// <summary>The dataset is the question's: solid black (0.0) or white (1.0) images, colours drawn independently, labels by rule.</summary>
[Properties(Arbitrary = new[] { typeof(Generators) })]
public class Generated_pairs
{
    [Property]
    public bool Generated_pairs_are_labelled_one_exactly_when_both_images_have_the_same_colour(PairPosition at)
    {
        var data = new PairDataset(at.Seed, at.PairsPerEpoch, labels: LabelRule.SameColour);
        var pair = data.Pair(at.Epoch, at.Index);
        return data.Label(at.Epoch, at.Index) == (pair.Query == pair.Template ? 1f : 0f);
    }

    [Property]
    public bool Every_label_rule_labels_a_pair_by_its_definition(Colour query, Colour template)
    {
        var pair = new ColourPair(query, template);
        return LabelRule.SameColour.Label(pair) == (query == template ? 1f : 0f)
            && LabelRule.FirstIsBlack.Label(pair) == (query == Colour.Black ? 1f : 0f)
            && LabelRule.SecondIsBlack.Label(pair) == (template == Colour.Black ? 1f : 0f)
            && LabelRule.AllZeros.Label(pair) == 0f;
    }

    [Property(MaxTest = 30)]
    public void Generated_images_are_solid_zero_or_one_with_shape_3_by_size_by_size(PairPosition at, LabelRule rule)
    {
        int size = 1 + (int)(Math.Abs(at.Seed % 40));
        var data = new PairDataset(at.Seed, at.PairsPerEpoch, size, rule);
        var batch = data.Batches(at.Epoch, Math.Min(7, at.PairsPerEpoch)).First();
        using var scope = NewDisposeScope();
        var (query, template, labels) = data.ToTensors(batch, CPU);

        query.shape.Should().Equal(batch.Count, 3, size, size);
        template.shape.Should().Equal(batch.Count, 3, size, size);
        labels.shape.Should().Equal(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            query[i].min().item<float>().Should().Be(batch[i].Query.PixelValue());
            query[i].max().item<float>().Should().Be(batch[i].Query.PixelValue());
            template[i].min().item<float>().Should().Be(batch[i].Template.PixelValue());
            template[i].max().item<float>().Should().Be(batch[i].Template.PixelValue());
            labels[i].item<float>().Should().Be(rule.Label(batch[i]));
        }
    }

    [Property]
    public bool Each_epoch_serves_every_pair_exactly_once_in_batches_of_the_requested_size(PairPosition at, PositiveInt batchSize)
    {
        var data = new PairDataset(at.Seed, at.PairsPerEpoch);
        int size = Math.Min(batchSize.Get, at.PairsPerEpoch);
        var batches = data.Batches(at.Epoch, size).ToList();
        var served = batches.SelectMany(b => b).GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        var expected = Enumerable.Range(0, at.PairsPerEpoch).Select(i => data.Pair(at.Epoch, i)).GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        return batches.Take(batches.Count - 1).All(b => b.Count == size)
            && batches.Sum(b => b.Count) == at.PairsPerEpoch
            && served.Count == expected.Count && served.All(kv => expected[kv.Key] == kv.Value);
    }

    /// <summary>
    /// 1000 pairs per seed: each colour's share has standard deviation 0.016, so 0.08 is five of
    /// them (a false alarm about once in a million checks).
    /// </summary>
    [Property]
    public bool Colours_and_same_colour_labels_are_balanced_within_eight_percentage_points(long seed)
    {
        var data = new PairDataset(seed, pairsPerEpoch: 100);
        var pairs = Enumerable.Range(0, 10).SelectMany(e => Enumerable.Range(0, 100).Select(i => data.Pair(e, i))).ToArray();
        double whiteQuery = pairs.Average(p => p.Query == Colour.White ? 1.0 : 0.0);
        double whiteTemplate = pairs.Average(p => p.Template == Colour.White ? 1.0 : 0.0);
        double same = pairs.Average(p => p.Query == p.Template ? 1.0 : 0.0);
        return Math.Abs(whiteQuery - 0.5) < 0.08 && Math.Abs(whiteTemplate - 0.5) < 0.08 && Math.Abs(same - 0.5) < 0.08;
    }

    [Property]
    public bool The_same_seed_generates_the_same_pairs(PairPosition at) =>
        new PairDataset(at.Seed, at.PairsPerEpoch).Pair(at.Epoch, at.Index) == new PairDataset(at.Seed, at.PairsPerEpoch).Pair(at.Epoch, at.Index);
}
