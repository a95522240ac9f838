using System.CommandLine;
using XnorSpec.Files;
using XnorSpec.Runtime;
using static TorchSharp.torch;

namespace XnorSpec.Cli;

/// <summary>`predict`: a saved model's probability that two image files have the same colour.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model saved by `reproduce` (models/*.model), `train --save` or `import`, or a PyTorch state_dict (with --head).", Required = true };
        var (head, encoder, size) = Options.PyTorchReading();
        var query = new Argument<string>("IMAGE1") { Description = "Query image: PNG or JPEG, RGB, square; resized to the model's input size." };
        var template = new Argument<string>("IMAGE2") { Description = "Template image, same rules." };
        var anyImage = new Option<bool>("--any-image") { Description = "Accept images that are not solid black or white (the model never saw such images)." };
        var device = Options.Device();
        var command = new Command("predict", """
            Print the probability that two images have the same colour, from a saved model (eval mode).

            Examples:
              xnor-spec predict --model results/seed/models/product-samecolour.model fixtures/images/black.png fixtures/images/white.png
              xnor-spec predict --model my_template_evaluator.pt --head Product fixtures/images/black.png fixtures/images/black.png
            """)
        { model, query, template, anyImage, head, encoder, size, device };
        command.SetAction(parsed =>
        {
            var chosen = Devices.Resolve(parsed.GetValue(device));
            var paths = new[] { parsed.GetValue(query)!, parsed.GetValue(template)! };
            using var scope = NewDisposeScope();
            var (pairModel, experiment, _) = AnyModelFile.Load(parsed.GetValue(model)!, new PyTorchReading(parsed.GetValue(head), parsed.GetValue(encoder), parsed.GetValue(size)), chosen);
            using var ___ = pairModel;
            var images = paths.Select(p => ImageFile.Load(p, experiment.ImageSize, chosen)).ToArray();
            var colours = images.Select(ImageFile.SolidColourOf).ToArray();
            for (int i = 0; i < 2; i++)
                if (colours[i] is null && !parsed.GetValue(anyImage))
                    throw new BadFileException(paths[i], "the image is not solid black or solid white, the only images the model was trained on", "Pass --any-image to predict anyway.");
            using var __ = no_grad();
            var probability = pairModel.call(images[0], images[1]).item<float>();
            Console.WriteLine(probability.ToString("F6", System.Globalization.CultureInfo.InvariantCulture));
            Console.Error.WriteLine($"P(same colour) for {paths[0]} ({colours[0]?.ToString() ?? "not solid"}) and {paths[1]} ({colours[1]?.ToString() ?? "not solid"}), "
                + $"model {experiment.Name} at {experiment.ImageSize}px.");
            return ExitCodes.Success;
        });
        return command;
    }
}
