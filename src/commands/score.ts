/** `digit-sweep score SUBMISSION --solution SOLUTION`: accuracy of a Kaggle submission CSV. */
import type { CommandModule } from 'yargs';

interface ScoreArgs {
  submission: string;
  solution: string;
  json: boolean;
}

export const command: CommandModule<object, ScoreArgs> = {
  command: 'score <submission>',
  describe: 'Score a Kaggle submission CSV (ImageId,Label) against a solution CSV',
  builder: (y) =>
    y
      .positional('submission', { type: 'string', demandOption: true, describe: 'submission CSV (ImageId,Label)' })
      .option('solution', { type: 'string', demandOption: true, describe: 'solution CSV with the true labels (ImageId,Label)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the score as JSON' }),
  handler: async (argv) => {
    const { scoreSubmission, renderScore } = await import('../report/score.js');
    const result = await scoreSubmission(argv.submission, argv.solution);
    console.log(argv.json ? JSON.stringify(result, null, 2) : renderScore(result));
  },
};
