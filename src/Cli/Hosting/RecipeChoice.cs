using System.CommandLine;
using System.Globalization;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Cli.Hosting;

/// <summary>
/// The recipe a training command runs under, and why. A typed <c>--recipe</c> always wins. An image run (a command that
/// trains and names <c>--arch</c>) without one takes its objective's recipe (simclr, vicreg) or else its preset's
/// (configs/images.json), so it never runs on the loop's own defaults, which are VideoMAE's HMDB51 fine-tuning recipe.
/// </summary>
/// <param name="Image">The image preset of an image run, whose α, β and placement <see cref="AppHost"/> layers; null otherwise.</param>
public sealed record RecipeChoice(string? Name, string Why, ImagePreset? Image)
{
    public const string ImageLayerFile = "image-training.json";

    public static RecipeChoice Of(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (command.Options.All(o => o.Name != TrainCliOptions.RecipeName)) return new(null, "", null);   // a command that does not train
        string? typed = Value(parse, command, TrainCliOptions.RecipeName);
        string? arch = Value(parse, command, "--arch");
        if (arch is null) return new(typed, typed is null ? "" : "--recipe", null);
        var preset = ImagePresets.Get(arch, Value(parse, command, "--image-presets"));
        if (typed is not null) return new(typed, "--recipe", preset);
        // Self-supervised objectives have a recipe of their own name; supervised ones train on the preset's.
        if (Value(parse, command, "--objective") is string objective && FineTune.Objectives.SelfSupervisedKinds.All.Contains(objective))
            return new(objective, $"--objective {objective}'s", preset);
        return preset.Recipe is string own ? new(own, $"{preset.Name}'s, from its image preset", preset) : new(null, $"{preset.Name}'s preset names none", preset);
    }

    /// <summary>
    /// The image preset's layer, under the recipe: VCReg's weights and placement, so the video defaults of configs/default.json
    /// (α 1, β 0.1 before the head) never reach an image network.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string?>> PresetLayer() => Image is not { } p ? [] :
    [
        new("Regularizer:Alpha", p.Alpha.ToString("R", CultureInfo.InvariantCulture)),
        new("Regularizer:Beta", p.Beta.ToString("R", CultureInfo.InvariantCulture)),
        new("Regularizer:Placement", p.Placement),
    ];

    /// <summary>One line for the run's log: which recipe, and where that choice came from.</summary>
    public string Describe() => Name is null
        ? $"recipe: none ({Why}); {ImageLayerFile} and the typed options"
        : $"recipe: {Name} ({Why}; configs/recipes/{Name}.json)";

    static string? Value(ParseResult parse, Command command, string name) =>
        command.Options.FirstOrDefault(o => o.Name == name) is Option<string> option ? parse.GetValue(option) : null;
}
