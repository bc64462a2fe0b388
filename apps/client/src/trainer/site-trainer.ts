import type { Trainer } from './trainer.ts';

/**
 * What a site daemon needs of its trainer: a worker of its own (Trainer) or its slot in a worker that
 * several sites of one process share (SharedTrainer.forSite).
 */
export type SiteTrainer = Pick<Trainer, 'backend' | 'loadData' | 'train' | 'evaluate' | 'close' | 'onCrash'>;
