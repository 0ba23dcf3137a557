import { defineModule } from '../../platform/module.js';
import { liveRoutes, type LiveRoutesDeps } from './live.routes.js';

export { asyncApiDocument } from './asyncapi.js';
export { ServerMessage, ClientMessage } from './live.schemas.js';
export { LIVE_MAX_MESSAGE_BYTES } from './live.session.js';

/** The live hub's sockets (a farm's events, a person's notifications) and the AsyncAPI document. */
export const liveModule = defineModule({
  name: 'live',
  create: (_deps: LiveRoutesDeps) => ({}),
  routes: liveRoutes,
});
