using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;

namespace XnorSpec.Spec.Experiments;

/// <summary>Experiment settings live in fixtures/profiles; the seed profile is the question's configuration.</summary>
public class Profiles
{
    [Fact]
    public void The_seed_profile_is_the_questions_configuration()
    {
        var seed = Profile.Load(Profile.Seed).Settings;

        seed.Encoder.Should().Be(EncoderKind.ResNet18);
        seed.ImageSize.Should().Be(128);
        seed.Pairs.Should().Be(100);
        seed.LearningRate.Should().Be(0.001);
        seed.Momentum.Should().Be(0.01);
        seed.Epochs.Should().Be(10);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("quick")]
    public void Every_profile_runs_the_questions_five_experiments(string name)
    {
        var profile = Profile.Load(name);

        profile.Experiments.Select(e => (e.Head, e.Labels)).Should().Contain(new[]
        {
            (FusionKind.Concat, LabelRule.SameColour), (FusionKind.Product, LabelRule.SameColour),
            (FusionKind.Concat, LabelRule.FirstIsBlack), (FusionKind.Concat, LabelRule.SecondIsBlack), (FusionKind.Concat, LabelRule.AllZeros),
        });
    }

    [Theory]
    [InlineData("fashion", PairData.FashionMnist, EncoderKind.ResNet18)]
    [InlineData("fashion-quick", PairData.FashionMnistSubset, EncoderKind.SmallCnn)]
    public void Every_real_image_profile_runs_the_same_experiments_on_Fashion_MNIST_pairs(string name, PairData data, EncoderKind encoder)
    {
        var profile = Profile.Load(name);

        // The colour experiments' counterparts: same category for same colour, a label of the query alone for "first is black".
        profile.Experiments.Select(e => (e.Head, e.Labels)).Should().Equal(
            (FusionKind.Concat, LabelRule.SameCategory), (FusionKind.Product, LabelRule.SameCategory),
            (FusionKind.Concat, LabelRule.QueryInFirstHalf), (FusionKind.Concat, LabelRule.AllZeros));
        profile.Experiments.Should().OnlyContain(e => e.Data == data && e.Encoder == encoder && e.HeldOutPairs >= 1000);
    }

    [Fact]
    public void An_unknown_profile_is_refused_listing_the_available_ones()
    {
        var act = () => Profile.Load("nonesuch");

        act.Should().Throw<ArgumentException>().WithMessage("*nonesuch*available*fashion, fashion-quick*quick*seed*");
    }

    [Theory]
    [InlineData("\"learningRat\": 0.1", "learningRat")]
    [InlineData("\"learningRate\": \"fast\"", "learningRate")]
    [InlineData("\"epochs\": 0", "Epochs")]
    [InlineData("\"head\": \"Sideways\"", "one of Concat, Product")]
    [InlineData("\"labels\": \"Maybe\"", "one of SameColour, FirstIsBlack")]
    public void A_profile_file_with_an_extra_mistyped_or_invalid_field_is_refused_naming_the_file_the_line_and_the_field(string field, string named)
    {
        using var folder = new TemporaryFolder("xnorspec-profile-");
        var file = Path.Combine(folder.Location, "broken.json");
        File.WriteAllText(file, "{\n  \"description\": \"x\",\n  \"settings\": {\n    " + field + "\n  },\n  \"experiments\": []\n}\n");

        var act = () => Profile.LoadFile(file);

        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains(file) && e.Message.Contains(", line 4") && e.Message.Contains(named));
    }

    [Fact]
    public void An_invalid_setting_in_one_experiment_is_refused_naming_that_experiments_line()
    {
        using var folder = new TemporaryFolder("xnorspec-profile-");
        var file = Path.Combine(folder.Location, "momentum.json");
        File.WriteAllText(file, """
            {
              "description": "x",
              "settings": { "momentum": 0.5 },
              "experiments": [
                { "head": "Concat" },
                { "head": "Product", "momentum": 1.5 }
              ]
            }
            """);

        var act = () => Profile.LoadFile(file);

        act.Should().Throw<ArgumentException>().WithMessage($"Profile file {file}, line 6, field 'momentum': Setting Momentum = 1.5 is invalid; accepted: a number in [0, 1).*");
    }

    [Fact]
    public void A_label_rule_named_in_the_settings_is_every_experiments_and_one_left_out_is_the_datas_own()
    {
        using var folder = new TemporaryFolder("xnorspec-profile-");
        var file = Path.Combine(folder.Location, "labels.json");
        File.WriteAllText(file, """
            {
              "description": "x",
              "settings": { "labels": "FirstIsBlack", "encoder": "SmallCnn", "imageSize": 32 },
              "experiments": [
                { "head": "Concat" },
                { "head": "Product", "labels": "AllZeros" },
                { "head": "Product", "data": "FashionMnistSubset", "imageSize": 28 }
              ]
            }
            """);

        var profile = Profile.LoadFile(file);

        profile.Settings.Labels.Should().Be(LabelRule.FirstIsBlack, "the settings name it");
        profile.Experiments.Select(e => e.Labels).Should().Equal(
            [LabelRule.FirstIsBlack, LabelRule.AllZeros, LabelRule.SameCategory],
            "an experiment inherits the settings' rule, overrides it, or, moving to other data without naming one, takes that data's own");
    }

    [Fact]
    public void A_profile_on_real_images_that_names_no_label_rule_compares_categories()
    {
        using var folder = new TemporaryFolder("xnorspec-profile-");
        var file = Path.Combine(folder.Location, "categories.json");
        File.WriteAllText(file, """
            { "description": "x", "settings": { "data": "FashionMnistSubset", "encoder": "SmallCnn", "imageSize": 28 }, "experiments": [ { "head": "Product" } ] }
            """);

        Profile.LoadFile(file).Experiments.Single().Labels.Should().Be(LabelRule.SameCategory);
    }

    [Fact]
    public void A_profile_file_missing_a_required_field_is_refused_naming_it()
    {
        using var folder = new TemporaryFolder("xnorspec-profile-");
        var file = Path.Combine(folder.Location, "partial.json");
        File.WriteAllText(file, "{ \"description\": \"x\", \"settings\": {} }");

        var act = () => Profile.LoadFile(file);

        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains(file) && e.Message.Contains(", line 1") && e.Message.Contains("experiments"));
    }
}
